// http/context_headers: what the upstream may trust. Strips every client-sent header the
// upstream would trust or that is hop-by-hop, then adds Portico's context (DESIGN §3).
// No I/O: fields in, fields out.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <string>
#include <string_view>

#include "proxy/tenants/host_table.hpp"

namespace portico::http {

struct RequestContext {
  const tenants::Tenant* tenant = nullptr;
  tenants::HostMatch match = tenants::HostMatch::current_name;
  std::string_view host;         // normalized host the client used
  std::string_view proto;        // "https" | "http"
  std::string_view client_addr;  // peer address, no port
  std::string_view request_id;
  std::string_view method;
  std::string_view target;       // normalized path + query, as sent upstream
  std::string_view signing_key;  // empty = no signature
  long long unix_time = 0;       // signature timestamp
};

// Removes X-Portal-*, Forwarded, X-Forwarded-*, X-Request-Id, Expect (Portico answers
// 100-continue itself), the hop-by-hop headers and every header named in Connection.
// `keep_upgrade`: a WebSocket upgrade is being relayed, so Upgrade survives and
// Connection is set to "upgrade".
void strip_untrusted_headers(boost::beast::http::fields& fields, bool keep_upgrade);

// Adds the context headers and the signature (when a key is set); sets Host to the
// normalized host.
void add_context_headers(boost::beast::http::fields& fields, const RequestContext& context);

// The exact string X-Portal-Signature signs (documented in docs/context-headers.md).
std::string signature_base(const RequestContext& context);
std::string sign_context(const RequestContext& context);  // "v1=<hex HMAC-SHA256>"

// Removes hop-by-hop headers (and those named in Connection) from an upstream response.
void strip_response_hop_by_hop(boost::beast::http::fields& fields, bool keep_upgrade);

}  // namespace portico::http
