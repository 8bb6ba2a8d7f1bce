// http/response_framing: Portico's check of an upstream response head on the raw bytes
// (a bad one is answered 502 and its connection dropped), and the decision whether an
// upstream connection may go back to the pool after a response. Pure: no I/O.
// See docs/decisions.md, "Message framing".
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "proxy/http/framing_error.hpp"

namespace portico::http {

// Largest upstream response head Portico reads (status line, fields, blank line).
inline constexpr std::size_t max_response_head_bytes = 64 * 1024;

// `head`: one complete response head (HeadScan::begin to end). Checks:
// - the status line is exactly `HTTP/1.x SP 3DIGIT SP reason`, the status 100-599, the
//   reason of HTAB / SP / VCHAR / obs-text;
// - field syntax as for requests (no obs-fold, no whitespace before the colon, ...);
// - body framing as for requests (check_body_fields): both Content-Length and
//   Transfer-Encoding, a Transfer-Encoding other than "chunked", a repeated or malformed
//   Content-Length, chunked in HTTP/1.0 are all errors;
// - a 1xx carries neither Content-Length nor Transfer-Encoding (it cannot have a body).
std::optional<FramingError> validate_response_head(std::string_view head);

// How an upstream response ended, for the reuse decision.
struct UpstreamResponseEnd {
  bool request_was_head = false;
  bool request_complete = false;  // the whole request body reached the upstream
  unsigned status = 0;
  bool declared_body = false;      // Content-Length > 0 or Transfer-Encoding in the head
  bool response_complete = false;  // the parser reached the end of the response
  bool keep_alive = false;         // the upstream did not ask to close
  std::size_t leftover_bytes = 0;  // bytes read past the end of the response
};

// Whether the connection may serve another request. Never after a response whose end is
// in doubt: bytes already read past its end; a HEAD request (the upstream may send the
// body it announced, and those bytes would be read as the next response); a 204 or 304
// that announced a body (Content-Length > 0 or Transfer-Encoding). Bytes that arrive later
// are caught by the pool's peek before the connection is kept and before it is reused.
bool may_reuse_upstream(const UpstreamResponseEnd& end) noexcept;

}  // namespace portico::http
