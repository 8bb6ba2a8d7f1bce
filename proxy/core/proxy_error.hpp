// core/proxy_error: the errors Portico answers itself, tagged with where they came from,
// and the one mapping from error to HTTP status. No I/O.
#pragma once

#include <string_view>
#include <system_error>

namespace portico::core {

enum class ErrorSource { downstream, upstream, internal };

enum class ProxyError {
  bad_request = 1,        // malformed request line/headers, bad framing
  bad_host,               // Host missing, repeated or not a valid name
  bad_target,             // ambiguous or malformed request target
  uri_too_long,           // request line over the head limit
  header_too_large,       // header section over [limits] max_header_bytes
  body_too_large,         // body over [limits] max_body_bytes
  request_timeout,        // head not complete within header_timeout
  unknown_host,           // no tenant at this address
  misdirected,            // TLS SNI names another tenant than Host
  feature_disabled,       // a feature gate the tenant has not enabled
  upstream_connect_failed,
  upstream_timeout,
  upstream_bad_response,
  upstream_unavailable,   // no healthy upstream server
  draining,               // shutting down
};

ErrorSource source_of(ProxyError error) noexcept;

// The status Portico answers with. feature_disabled uses [features] blocked_status,
// so the caller passes it in.
unsigned status_for(ProxyError error, unsigned blocked_status = 404) noexcept;

// One-line plain reason, shown on the error page and in logs.
std::string_view reason_for(ProxyError error) noexcept;

// Short machine name ("unknown_host"), for logs and metrics labels.
std::string_view name_of(ProxyError error) noexcept;

const std::error_category& proxy_category() noexcept;
inline std::error_code make_error_code(ProxyError error) noexcept {
  return {static_cast<int>(error), proxy_category()};
}

}  // namespace portico::core

template <>
struct std::is_error_code_enum<portico::core::ProxyError> : std::true_type {};
