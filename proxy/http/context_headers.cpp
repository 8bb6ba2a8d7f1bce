// http/context_headers: header stripping and the trusted context (DESIGN §3).
#include "proxy/http/context_headers.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/container/small_vector.hpp>

#include "proxy/http/outgoing_message.hpp"

namespace portico::http {
namespace beast = boost::beast;
namespace {

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// Transfer-Encoding is hop-by-hop too, but the relayed body is framed from it
// (outgoing_message.hpp), so it stays on the message and says what goes out.
constexpr std::array<std::string_view, 7> hop_by_hop{
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
    "proxy-authorization"};

// Names listed in Connection (RFC 9110 7.6.1): each is hop-by-hop for this message. Views
// into `fields`, which the heads below only read; browsers send one or two, so no allocation.
using ConnectionTokens = boost::container::small_vector<std::string_view, 8>;

ConnectionTokens connection_tokens(const beast::http::fields& fields) {
  ConnectionTokens tokens;
  for (auto it = fields.find(beast::http::field::connection);
       it != fields.end() && it->name() == beast::http::field::connection; ++it) {
    for (auto token : beast::http::token_list{it->value()}) tokens.emplace_back(token);
  }
  return tokens;
}

bool named_in(const ConnectionTokens& tokens, std::string_view name) {
  return std::any_of(tokens.begin(), tokens.end(),
                     [&](std::string_view token) { return iequals(token, name); });
}

bool is_hop_by_hop(std::string_view name, const ConnectionTokens& tokens, bool keep_upgrade) {
  if (keep_upgrade && iequals(name, "upgrade")) return false;
  if (named_in(tokens, name) && !iequals(name, "transfer-encoding") &&
      !iequals(name, "content-length") && !iequals(name, "host")) {
    return true;
  }
  return std::any_of(hop_by_hop.begin(), hop_by_hop.end(),
                     [&](std::string_view hop) { return iequals(name, hop); });
}

// Headers the upstream would trust if a client could send them.
bool is_untrusted(std::string_view name) {
  return starts_with_nocase(name, "x-portal-") || starts_with_nocase(name, "x-forwarded-") ||
         iequals(name, "forwarded") || iequals(name, "x-request-id") || iequals(name, "expect");
}

// "Forwarded: for=...;host=...;proto=..." (RFC 7239); an IPv6 address is quoted and bracketed.
void append_forwarded(const RequestContext& context, std::string& out) {
  const bool ipv6 = context.client_addr.find(':') != std::string_view::npos;
  out += "Forwarded: for=";
  out += ipv6 ? "\"[" : "";
  out += context.client_addr;
  out += ipv6 ? "]\"" : "";
  out += ";host=";
  out += context.host;
  out += ";proto=";
  out += context.proto;
  out += "\r\n";
}

std::string to_hex(const unsigned char* data, unsigned size) {
  constexpr char digits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (unsigned i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  return out;
}

}  // namespace

void append_client_head(const beast::http::response_header<>& response,
                        const ClientHeadOptions& options, std::string& out) {
  using beast::http::field;
  using Framing = ClientHeadOptions::Framing;
  std::size_t room = 256 + options.request_id.size() + options.date.size() + options.hsts.size();
  for (const auto& line : response) room += line.name_string().size() + line.value().size() + 4;
  out.reserve(out.size() + room);  // one allocation, not one per doubling

  const auto tokens = connection_tokens(response);
  // The banner drops every ETag when the first is strong (it no longer names these bytes).
  const std::string_view first_etag = response[field::etag];
  const bool drop_etags = options.banner && !first_etag.empty() && !first_etag.starts_with("W/");
  append_status_line(options.version, response.result_int(), response.reason(), out);
  bool has_date = false;
  for (const auto& line : response) {
    const std::string_view name = line.name_string();
    if (is_hop_by_hop(name, tokens, options.upgraded)) continue;
    switch (line.name()) {
      case field::date:
        has_date = true;
        break;
      case field::transfer_encoding:
        if (options.framing != Framing::as_sent) continue;
        break;
      case field::content_length:
        if (options.banner || options.framing == Framing::chunked) continue;
        break;
      case field::etag:
        if (drop_etags) continue;
        break;
      case field::strict_transport_security:
        if (!options.hsts.empty()) continue;
        break;
      default:
        if (iequals(name, "x-request-id") || iequals(name, activity_header)) continue;
        break;
    }
    append_field_line(name, line.value(), out);
  }
  append_field_line("X-Request-Id", options.request_id, out);
  if (!has_date && !options.date.empty()) append_field_line("Date", options.date, out);
  if (!options.hsts.empty()) append_field_line("Strict-Transport-Security", options.hsts, out);
  if (options.framing == Framing::chunked) append_field_line("Transfer-Encoding", "chunked", out);
  // Connection as Beast's keep_alive() leaves it once the upstream's is gone: HTTP/1.1 says
  // "close" when closing, HTTP/1.0 "keep-alive" when staying open; a tunnel says "upgrade".
  const bool http10 = options.version == 10;
  std::string_view persistence;
  if (http10 && options.keep_alive) persistence = "keep-alive";
  if (!http10 && !options.keep_alive) persistence = "close";
  if (options.upgraded) {
    out += "Connection: upgrade";
    if (!persistence.empty()) {
      out += ", ";
      out += persistence;
    }
    out += "\r\n";
  } else if (!persistence.empty()) {
    append_field_line("Connection", persistence, out);
  }
  append_head_end(out);
}

void append_upstream_head(const beast::http::request_header<>& request,
                          const RequestContext& context, UpstreamHeadOptions options,
                          std::string& out) {
  const tenants::Tenant& tenant = *context.tenant;
  std::size_t room = 512 + request.target().size() + 4 * context.host.size() +
                     2 * context.client_addr.size() + tenant.features_header.size() +
                     tenant.notify_header.size();
  for (const auto& field : request) room += field.name_string().size() + field.value().size() + 4;
  out.reserve(out.size() + room);  // one allocation, not one per doubling

  const auto tokens = connection_tokens(request);
  append_request_line(request.method_string(), request.target(), 11, out);  // upstream: HTTP/1.1 keep-alive
  for (const auto& field : request) {
    const std::string_view name = field.name_string();
    if (is_hop_by_hop(name, tokens, options.keep_upgrade) || is_untrusted(name)) continue;
    // Portico's own values follow.
    if (field.name() == beast::http::field::host) continue;
    if (options.identity_encoding && field.name() == beast::http::field::accept_encoding) continue;
    append_field_line(name, field.value(), out);
  }
  if (options.keep_upgrade) append_field_line("Connection", "upgrade", out);
  append_field_line("Host", context.host, out);
  append_field_line("X-Portal-Org-Id", tenant.org_id, out);
  append_field_line("X-Portal-Name", tenant.portal_name, out);
  append_field_line("X-Portal-Host", context.host, out);
  append_field_line("X-Portal-Host-Kind",
                    context.match == tenants::HostMatch::custom_domain ? "custom" : "subdomain", out);
  append_field_line("X-Portal-Features", tenant.features_header, out);
  append_field_line("X-Portal-Notify", tenant.notify_header, out);
  append_field_line("X-Request-Id", context.request_id, out);
  append_field_line("X-Forwarded-For", context.client_addr, out);
  append_field_line("X-Forwarded-Proto", context.proto, out);
  append_field_line("X-Forwarded-Host", context.host, out);
  append_forwarded(context, out);
  if (!context.signing_key.empty()) {
    append_field_line("X-Portal-Timestamp", std::to_string(context.unix_time), out);
    append_field_line("X-Portal-Signature", sign_context(context), out);
  }
  if (options.identity_encoding) append_field_line("Accept-Encoding", "identity", out);
  append_head_end(out);
}

std::string signature_base(const RequestContext& context) {
  const tenants::Tenant& tenant = *context.tenant;
  std::string_view kind =
      context.match == tenants::HostMatch::custom_domain ? "custom" : "subdomain";
  std::string base = "v1\n";
  const std::string timestamp = std::to_string(context.unix_time);
  for (std::string_view part :
       {std::string_view(timestamp), std::string_view(tenant.org_id),
        std::string_view(tenant.portal_name), context.host, kind,
        std::string_view(tenant.features_header), std::string_view(tenant.notify_header),
        context.request_id, context.client_addr, context.proto, context.method, context.target}) {
    base += part;
    base += '\n';
  }
  return base;
}

std::string sign_context(const RequestContext& context) {
  std::string base = signature_base(context);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned mac_size = 0;
  HMAC(EVP_sha256(), context.signing_key.data(), static_cast<int>(context.signing_key.size()),
       reinterpret_cast<const unsigned char*>(base.data()), base.size(), mac.data(), &mac_size);
  return "v1=" + to_hex(mac.data(), mac_size);
}

}  // namespace portico::http
