// http/response_framing: status line, field syntax and framing rules of a response head.
#include "proxy/http/response_framing.hpp"

#include "proxy/http/field_lines.hpp"

namespace portico::http {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_reason_char(unsigned char c) noexcept { return c == '\t' || (c >= 0x20 && c != 0x7f); }

// status-line = HTTP-version SP status-code SP [ reason-phrase ]
std::optional<FramingError> check_status_line(std::string_view line, bool& http10,
                                              unsigned& status) {
  if (line.size() < 13 || line[8] != ' ' || line[12] != ' ') return FramingError::bad_start_line;
  std::string_view version = line.substr(0, 8);
  if (version == "HTTP/1.1") {
    http10 = false;
  } else if (version == "HTTP/1.0") {
    http10 = true;
  } else {
    return FramingError::bad_version;
  }
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) {
    return FramingError::bad_status;
  }
  status = static_cast<unsigned>((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
  if (status < 100 || status > 599) return FramingError::bad_status;
  for (char c : line.substr(13)) {
    if (!is_reason_char(static_cast<unsigned char>(c))) return FramingError::bad_start_line;
  }
  return std::nullopt;
}

}  // namespace

std::optional<FramingError> validate_response_head(std::string_view head) {
  // Kept per thread: its vector's capacity outlives the call (five allocations a request
  // otherwise). split_head clears it; the views in it are never read after the call.
  thread_local HeadLines lines;
  if (auto error = split_head(head, lines)) return error;
  bool http10 = false;
  unsigned status = 0;
  if (auto error = check_status_line(lines.start_line, http10, status)) return error;
  BodyFields body;
  if (auto error = check_body_fields(lines, http10, body)) return error;
  if (status < 200 && (body.content_length || body.transfer_encoding)) {
    return FramingError::interim_with_body;
  }
  return std::nullopt;
}

bool may_reuse_upstream(const UpstreamResponseEnd& end) noexcept {
  if (!end.response_complete || !end.keep_alive || !end.request_complete) return false;
  if (end.leftover_bytes != 0 || end.request_was_head) return false;
  bool bodiless_status = end.status == 204 || end.status == 304;
  return !(bodiless_status && end.declared_body);
}

}  // namespace portico::http
