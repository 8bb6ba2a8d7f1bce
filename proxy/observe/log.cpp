// observe/log: JSON lines on stderr, one write per line so lines never interleave.
#include "proxy/observe/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace portico::observe {
namespace {
std::atomic<LogLevel> minimum_level{LogLevel::info};

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::string iso_time_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(millis));
  return out;
}
}  // namespace

void set_log_level(std::string_view level) {
  if (level == "debug") minimum_level = LogLevel::debug;
  else if (level == "warn") minimum_level = LogLevel::warn;
  else if (level == "error") minimum_level = LogLevel::error;
  else minimum_level = LogLevel::info;
}

void append_json_escaped(std::string& out, std::string_view text) {
  constexpr char hex[] = "0123456789abcdef";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20) {
      out += "\\u00";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
}

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (level < minimum_level.load(std::memory_order_relaxed)) return;
  std::string line = "{\"time\":\"" + iso_time_now() + "\",\"level\":\"";
  line += level_name(level);
  line += "\",\"msg\":\"";
  append_json_escaped(line, message);
  line += '"';
  for (const auto& [key, value] : fields) {
    line += ",\"";
    append_json_escaped(line, key);
    line += "\":\"";
    append_json_escaped(line, value);
    line += '"';
  }
  line += "}\n";
  // One write(2) per line: concurrent writers never interleave within a line.
  std::size_t written = 0;
  while (written < line.size()) {
    auto n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace portico::observe
