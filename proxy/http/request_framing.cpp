// http/request_framing: request line, field syntax and framing rules of a request head.
#include "proxy/http/request_framing.hpp"

#include <array>
#include <string>

#include "proxy/http/field_lines.hpp"

namespace portico::http {
namespace {

// Names Portico frames, routes, strips or answers on. A client spelling one of them with
// '_' would slip past Portico and still reach a CGI-style upstream as the same variable
// (HTTP_X_PORTAL_ORG_ID), so such spellings are refused.
constexpr std::array<std::string_view, 16> acted_on_names{
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "forwarded",
    "x-request-id",
    "proxy-authorization",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
};
constexpr std::array<std::string_view, 2> acted_on_prefixes{"x-portal-", "x-forwarded-"};

// Frameworks (Rails, Express method-override, Symfony, ...) let these replace the method,
// so a GET the gates let through could reach the upstream as a DELETE.
constexpr std::array<std::string_view, 3> method_override_names{
    "x-http-method-override", "x-http-method", "x-method-override"};

bool is_target_char(unsigned char c) noexcept { return c > 0x20 && c < 0x7f; }

// request-line = method SP request-target SP HTTP-version; nothing lenient.
std::optional<FramingError> check_request_line(std::string_view line, bool& http10) {
  auto first_space = line.find(' ');
  if (first_space == std::string_view::npos) return FramingError::bad_start_line;
  if (!is_token(line.substr(0, first_space))) return FramingError::bad_start_line;
  auto second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return FramingError::bad_start_line;
  std::string_view target = line.substr(first_space + 1, second_space - first_space - 1);
  if (target.empty()) return FramingError::bad_start_line;
  for (char c : target) {
    if (!is_target_char(static_cast<unsigned char>(c))) return FramingError::bad_start_line;
  }
  std::string_view version = line.substr(second_space + 1);
  if (version == "HTTP/1.1") {
    http10 = false;
  } else if (version == "HTTP/1.0") {
    http10 = true;
  } else {
    bool shaped = version.size() == 8 && version.starts_with("HTTP/") && version[6] == '.' &&
                  version[5] >= '0' && version[5] <= '9' && version[7] >= '0' && version[7] <= '9';
    return shaped ? FramingError::bad_version : FramingError::bad_start_line;
  }
  return std::nullopt;
}

// Connection and Proxy-Connection: 1#token with OWS around commas, empty elements allowed
// (RFC 9110 §7.6.1, §5.6.1). Beast refuses any other value (bad_value) after this check, so
// the verdict is made here, where the error has a name. Found by the request_head fuzzer.
bool is_token_list(std::string_view value) {
  for (;;) {
    auto comma = value.find(',');
    std::string_view element = value.substr(0, comma);
    while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) element.remove_prefix(1);
    while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) element.remove_suffix(1);
    if (!element.empty() && !is_token(element)) return false;
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

bool is_lookalike(std::string_view name) {
  if (name.find('_') == std::string_view::npos) return false;
  std::string folded(name);
  for (char& c : folded) {
    if (c == '_') c = '-';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (auto acted_on : acted_on_names) {
    if (folded == acted_on) return true;
  }
  for (auto prefix : acted_on_prefixes) {
    if (folded.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

std::optional<FramingError> validate_request_head(std::string_view head, std::size_t max_fields) {
  // Kept per thread: its vector's capacity outlives the call (five allocations a request
  // otherwise). split_head clears it; the views in it are never read after the call.
  thread_local HeadLines lines;
  if (auto error = split_head(head, lines)) return error;
  if (lines.fields.size() > max_fields) return FramingError::too_many_fields;
  bool http10 = false;
  if (auto error = check_request_line(lines.start_line, http10)) return error;
  BodyFields body;
  if (auto error = check_body_fields(lines, http10, body)) return error;
  int hosts = 0;
  for (const FieldLine& field : lines.fields) {
    if (name_is(field.name, "host") && ++hosts > 1) return FramingError::repeated_host;
    if ((name_is(field.name, "connection") || name_is(field.name, "proxy-connection")) &&
        !is_token_list(field.value)) {
      return FramingError::bad_field_value;
    }
    for (auto override_name : method_override_names) {
      if (name_is(field.name, override_name)) return FramingError::method_override;
    }
    if (is_lookalike(field.name)) return FramingError::lookalike_field_name;
  }
  return std::nullopt;
}

}  // namespace portico::http
