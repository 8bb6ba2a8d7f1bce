// http/framing_error: why a message head (a client's request or an upstream's response) was
// refused by Portico's own framing checks (RFC 9112, RFC 9110 §5). Pure: no I/O.
#pragma once

#include <string_view>

#include "proxy/core/proxy_error.hpp"

namespace portico::http {

enum class FramingError {
  start_line_too_long,            // no CRLF within the head limit on the first line
  head_too_large,                 // no blank line within the head limit
  bare_cr,                        // CR not followed by LF
  bare_lf,                        // LF not preceded by CR
  control_character,              // NUL, another CTL or DEL (HTAB is checked in context)
  obs_fold,                       // a line starting with SP/HTAB (obsolete line folding)
  leading_empty_line,             // a response head starting with CRLF
  bad_start_line,                 // request/status line not in its exact shape
  bad_version,                    // not HTTP/1.0 or HTTP/1.1
  bad_status,                     // status code outside 100-599
  bad_field_line,                 // a field line without ':'
  bad_field_name,                 // empty or not a token
  whitespace_before_colon,        // "Name :" (RFC 9112 §5.1: MUST reject)
  bad_field_value,                // a character not allowed in a field value
  bad_content_length,             // not 1*DIGIT (list, sign, hex, empty, overflow)
  repeated_content_length,        // more than one Content-Length field, equal or not
  unsupported_transfer_encoding,  // anything but exactly "chunked", or repeated
  content_length_with_transfer_encoding,
  chunked_on_http10,     // Transfer-Encoding in an HTTP/1.0 message
  repeated_host,         // more than one Host field
  method_override,       // X-HTTP-Method-Override and friends
  lookalike_field_name,  // a name with '_' that reads as a header Portico acts on
  interim_with_body,     // a 1xx response with Content-Length or Transfer-Encoding
  too_many_fields,       // more field lines than [limits] max_header_count
};

// Short machine name ("bare_lf"), for logs and tests.
std::string_view name_of(FramingError error) noexcept;

// What Portico answers a client whose request head has this error: 414 for a request line
// over the head limit, 431 for a head over it or with too many fields, 400 for everything
// else.
core::ProxyError request_error_for(FramingError error) noexcept;

}  // namespace portico::http
