// http/context_headers: what the upstream may trust. Strips every client-sent header the
// upstream would trust or that is hop-by-hop, then adds Portico's context (DESIGN §3).
// No I/O: fields in, head bytes (or fields) out.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
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

// What the upstream head carries besides the client's fields and the context.
struct UpstreamHeadOptions {
  bool keep_upgrade = false;       // a WebSocket upgrade is relayed: Upgrade survives and
                                   // Connection is "upgrade"
  bool identity_encoding = false;  // the banner filter needs the HTML as sent (DESIGN §5):
                                   // Accept-Encoding is "identity"
};

// Appends the head the upstream receives: the request line (as `request` has it, in
// HTTP/1.1), the client's fields in their order minus every one stripped, then Host (the
// normalized host), Portico's context and, when a key is set, the signature, then a blank
// line. Stripped: X-Portal-*, Forwarded, X-Forwarded-*, X-Request-Id, Expect (Portico
// answers 100-continue itself), the hop-by-hop headers and every header named in
// Connection. Written straight into `out` rather than set on Beast's fields: a `set` is an
// allocation and a tree search per header, and they were an eighth of a proxied request's
// instructions.
void append_upstream_head(const boost::beast::http::request_header<>& request,
                          const RequestContext& context, UpstreamHeadOptions options,
                          std::string& out);

// The exact string X-Portal-Signature signs (documented in docs/context-headers.md).
std::string signature_base(const RequestContext& context);
std::string sign_context(const RequestContext& context);  // "v1=<hex HMAC-SHA256>"

// Removes hop-by-hop headers (and those named in Connection) from an upstream response.
void strip_response_hop_by_hop(boost::beast::http::fields& fields, bool keep_upgrade);

}  // namespace portico::http
