// observe/log: Portico's own log (not the access log): one JSON object per line on stderr.
// For start-up, reloads, refusals and drains; never called per request on the hot path.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace portico::observe {

enum class LogLevel { debug, info, warn, error };

void set_log_level(std::string_view level);  // "debug" | "info" | "warn" | "error"

using LogField = std::pair<std::string_view, std::string_view>;
void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

// JSON string escaping (quotes not included).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace portico::observe
