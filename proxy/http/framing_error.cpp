// http/framing_error: names and client statuses of framing errors.
#include "proxy/http/framing_error.hpp"

namespace portico::http {

std::string_view name_of(FramingError error) noexcept {
  switch (error) {
    case FramingError::start_line_too_long:
      return "start_line_too_long";
    case FramingError::head_too_large:
      return "head_too_large";
    case FramingError::bare_cr:
      return "bare_cr";
    case FramingError::bare_lf:
      return "bare_lf";
    case FramingError::control_character:
      return "control_character";
    case FramingError::obs_fold:
      return "obs_fold";
    case FramingError::leading_empty_line:
      return "leading_empty_line";
    case FramingError::bad_start_line:
      return "bad_start_line";
    case FramingError::bad_version:
      return "bad_version";
    case FramingError::bad_status:
      return "bad_status";
    case FramingError::bad_field_line:
      return "bad_field_line";
    case FramingError::bad_field_name:
      return "bad_field_name";
    case FramingError::whitespace_before_colon:
      return "whitespace_before_colon";
    case FramingError::bad_field_value:
      return "bad_field_value";
    case FramingError::bad_content_length:
      return "bad_content_length";
    case FramingError::repeated_content_length:
      return "repeated_content_length";
    case FramingError::unsupported_transfer_encoding:
      return "unsupported_transfer_encoding";
    case FramingError::content_length_with_transfer_encoding:
      return "content_length_with_transfer_encoding";
    case FramingError::chunked_on_http10:
      return "chunked_on_http10";
    case FramingError::repeated_host:
      return "repeated_host";
    case FramingError::method_override:
      return "method_override";
    case FramingError::lookalike_field_name:
      return "lookalike_field_name";
    case FramingError::interim_with_body:
      return "interim_with_body";
    case FramingError::too_many_fields:
      return "too_many_fields";
  }
  return "framing";
}

core::ProxyError request_error_for(FramingError error) noexcept {
  switch (error) {
    case FramingError::start_line_too_long:
      return core::ProxyError::uri_too_long;
    case FramingError::head_too_large:
    case FramingError::too_many_fields:
      return core::ProxyError::header_too_large;
    case FramingError::repeated_host:
      return core::ProxyError::bad_host;
    default:
      return core::ProxyError::bad_request;
  }
}

}  // namespace portico::http
