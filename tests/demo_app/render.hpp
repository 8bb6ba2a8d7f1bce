// demo_app/render: the HTML and JSON building blocks every page shares (escaping, the
// document frame with nav and the "what the portal received" table, the JSON echo).
// String building only: no I/O, no routing decisions.
#pragma once

#include "tests/demo_app/exchange.hpp"

#include <string>
#include <string_view>

namespace portico::demo {

void append_html_escaped(std::string& out, std::string_view text);

// Appends `text` as a quoted JSON string. Bytes that are not valid UTF-8 are written as
// \u00XX (read as Latin-1) so the output is always valid JSON whatever the client sent.
void append_json_string(std::string& out, std::string_view text);

// From `<!doctype html>` through the opening `<main>`: title, `<body class="portal">`,
// the "Portal of org X (name)" heading and the nav.
void append_document_start(std::string& out, const Exchange& exchange, std::string_view title);

// The table of what arrived (HEAD shown as GET): method, target, body digest, then every X-Portal-*,
// X-Forwarded-*, Forwarded and X-Request-Id header in received order. Closes `</main>`.
void append_received_and_close_main(std::string& out, const Exchange& exchange);

inline constexpr std::string_view kDocumentEnd = "<footer>demo-portal</footer>\n</body></html>\n";

// The JSON echo of a request (HEAD shown as GET), without its closing brace so a filler can still be added:
// {"method":..,"target":..,"version":..,"headers":[[n,v],..],"body_bytes":N,
//  "body_fnv1a":"hex","route":..[,"id":..]
void append_echo_json_open(std::string& out, const Exchange& exchange, std::string_view route,
                           std::string_view object_id);

}  // namespace portico::demo
