// http/request_framing: Portico's own check of a client's request head, on the raw bytes,
// before Beast's parser sees them (RFC 9112 §2-§7, RFC 9110 §5). Any error is answered with
// 400 (414/431 for size) and the connection is closed: nothing more is read from it.
// Pure: no I/O. See docs/decisions.md, "Message framing".
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "proxy/http/framing_error.hpp"

namespace portico::http {

// [limits] max_header_count's default (config/model.hpp), like nginx's and Envoy's 100.
inline constexpr std::size_t default_max_header_count = 100;

// `head`: one complete request head, from the request line to the blank line included
// (HeadScan::begin to HeadScan::end). Checks, in this order:
// - at most `max_fields` field lines ([limits] max_header_count; too_many_fields: 431);
// - the request line is exactly `token SP target SP HTTP/1.x`, the target 1*VCHAR;
// - every field line is well formed (field_lines.hpp: no obs-fold, no whitespace before
//   the colon, no control characters);
// - body framing (check_body_fields): no Content-Length with Transfer-Encoding, exactly
//   "chunked" or one plain decimal Content-Length, no chunked on HTTP/1.0;
// - at most one Host;
// - Connection and Proxy-Connection are comma-separated token lists (bad_field_value);
// - no method-override field (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override);
// - no field name with '_' that reads, '_' taken as '-', as a name Portico acts on
//   (Content-Length, Host, X-Portal-*, X-Forwarded-*, ...): CGI-style upstreams map both
//   spellings to the same variable.
std::optional<FramingError> validate_request_head(std::string_view head,
                                                  std::size_t max_fields = default_max_header_count);

}  // namespace portico::http
