// http/context_headers: what the upstream may trust. Strips every client-sent header the
// upstream would trust or that is hop-by-hop, then adds Portico's context (DESIGN §3); and
// what a client receives of an upstream response head.
// No I/O: parsed fields in, head bytes out.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <string>
#include <string_view>

#include "proxy/tenants/host_table.hpp"

namespace portico::http {

// DESIGN §6: how the upstream declares an activity event; never relayed to the client.
inline constexpr std::string_view activity_header = "X-Portal-Activity";

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

// How the response head a client receives differs from the upstream's (relay_response
// decides each from the exchange).
struct ClientHeadOptions {
  unsigned version = 11;        // the client's HTTP version
  bool upgraded = false;        // a 101 to a WebSocket upgrade: Upgrade is kept
  bool keep_alive = true;       // the client's connection stays open after this response
  std::string_view request_id;  // X-Request-Id, replacing any the upstream sent
  std::string_view date;        // Date, for a response without one (empty: it has one)
  std::string_view hsts;        // Strict-Transport-Security, replacing the upstream's (empty: as sent)
  bool banner = false;          // the body grows by the banner: no Content-Length, and no ETag
                                // when the first one is strong
  enum class Framing {
    as_sent,    // Transfer-Encoding as the upstream sent it
    chunked,    // a body sent as is upstream goes out chunked: Transfer-Encoding: chunked
    unchunked,  // a chunked body goes out as is (to an HTTP/1.0 client): no Transfer-Encoding
  } framing = Framing::as_sent;
};

// Appends the head the client receives for an upstream response: the status line in the
// client's version, the upstream's fields in their order minus the hop-by-hop ones (and
// those named in Connection), X-Portal-Activity (Portico's, never relayed), X-Request-Id and
// what `options` replaces, then X-Request-Id, Date, Strict-Transport-Security,
// Transfer-Encoding and Connection as `options` says, then a blank line. Written straight
// from the parsed fields rather than by editing them first: every edit of Beast's fields is
// a tree search, and an insertion an allocation.
void append_client_head(const boost::beast::http::response_header<>& response,
                        const ClientHeadOptions& options, std::string& out);

}  // namespace portico::http
