// http/local_response: the answers Portico gives itself (errors, redirects), DESIGN §9:
// status, one-line reason, a small HTML page or JSON, X-Request-Id and Server: portico.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "proxy/core/proxy_error.hpp"

namespace portico::http {

using LocalResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct LocalResponseOptions {
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;        // HEAD request: headers as for GET, no body
  bool wants_json = false;  // the request's Accept prefers application/json
  std::string_view request_id;
  std::string_view hsts;    // Strict-Transport-Security value on https, else empty
};

LocalResponse make_error_response(core::ProxyError error, unsigned status,
                                  const LocalResponseOptions& options);

// 308 Permanent Redirect to an absolute URL (method and body preserved by clients).
LocalResponse make_redirect_response(std::string location, const LocalResponseOptions& options);

// 200 text/plain with the key authorization of an ACME HTTP-01 challenge (RFC 8555 8.3).
LocalResponse make_challenge_response(std::string key_authorization, const LocalResponseOptions& options);

// True when Accept ranks application/json above text/html (q-values honoured).
bool prefers_json(std::string_view accept);

}  // namespace portico::http
