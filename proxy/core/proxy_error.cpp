// core/proxy_error: status, reason and source of each proxy error.
#include "proxy/core/proxy_error.hpp"

#include <string>

namespace portico::core {

ErrorSource source_of(ProxyError error) noexcept {
  switch (error) {
    case ProxyError::upstream_connect_failed:
    case ProxyError::upstream_timeout:
    case ProxyError::upstream_bad_response:
    case ProxyError::upstream_unavailable: return ErrorSource::upstream;
    case ProxyError::draining: return ErrorSource::internal;
    default: return ErrorSource::downstream;
  }
}

unsigned status_for(ProxyError error, unsigned blocked_status) noexcept {
  switch (error) {
    case ProxyError::bad_request:
    case ProxyError::bad_host:
    case ProxyError::bad_target: return 400;
    case ProxyError::uri_too_long: return 414;
    case ProxyError::header_too_large: return 431;
    case ProxyError::body_too_large: return 413;
    case ProxyError::request_timeout: return 408;
    case ProxyError::unknown_host: return 404;
    // 421 rather than 404: the name exists, but this connection was opened for another
    // tenant; a client may retry on a new connection (RFC 9110 15.5.20).
    case ProxyError::misdirected: return 421;
    case ProxyError::feature_disabled: return blocked_status;
    case ProxyError::upstream_connect_failed:
    case ProxyError::upstream_bad_response: return 502;
    case ProxyError::upstream_timeout: return 504;
    case ProxyError::upstream_unavailable:
    case ProxyError::draining: return 503;
  }
  return 500;
}

std::string_view reason_for(ProxyError error) noexcept {
  switch (error) {
    case ProxyError::bad_request: return "The request is malformed.";
    case ProxyError::bad_host: return "The request has no valid Host.";
    case ProxyError::bad_target: return "The request path is malformed or ambiguous.";
    case ProxyError::uri_too_long: return "The request line is too long.";
    case ProxyError::header_too_large: return "The request headers are too large.";
    case ProxyError::body_too_large: return "The request body is too large.";
    case ProxyError::request_timeout: return "The request did not arrive in time.";
    case ProxyError::unknown_host: return "There is no portal at this address.";
    case ProxyError::misdirected: return "This connection cannot serve this portal.";
    case ProxyError::feature_disabled: return "This section is not available on this portal.";
    case ProxyError::upstream_connect_failed: return "The portal application is unreachable.";
    case ProxyError::upstream_timeout: return "The portal application did not answer in time.";
    case ProxyError::upstream_bad_response: return "The portal application answered badly.";
    case ProxyError::upstream_unavailable: return "The portal application is unavailable.";
    case ProxyError::draining: return "The server is shutting down.";
  }
  return "Internal error.";
}

std::string_view name_of(ProxyError error) noexcept {
  switch (error) {
    case ProxyError::bad_request: return "bad_request";
    case ProxyError::bad_host: return "bad_host";
    case ProxyError::bad_target: return "bad_target";
    case ProxyError::uri_too_long: return "uri_too_long";
    case ProxyError::header_too_large: return "header_too_large";
    case ProxyError::body_too_large: return "body_too_large";
    case ProxyError::request_timeout: return "request_timeout";
    case ProxyError::unknown_host: return "unknown_host";
    case ProxyError::misdirected: return "misdirected";
    case ProxyError::feature_disabled: return "feature_disabled";
    case ProxyError::upstream_connect_failed: return "upstream_connect_failed";
    case ProxyError::upstream_timeout: return "upstream_timeout";
    case ProxyError::upstream_bad_response: return "upstream_bad_response";
    case ProxyError::upstream_unavailable: return "upstream_unavailable";
    case ProxyError::draining: return "draining";
  }
  return "internal";
}

namespace {
class ProxyCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.proxy"; }
  std::string message(int value) const override {
    return std::string(reason_for(static_cast<ProxyError>(value)));
  }
};
}  // namespace

const std::error_category& proxy_category() noexcept {
  static const ProxyCategory category;
  return category;
}

}  // namespace portico::core
