// http/context_headers: header stripping and the trusted context (DESIGN §3).
#include "proxy/http/context_headers.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/beast/http/rfc7230.hpp>
#include <vector>

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

// Names listed in Connection (RFC 9110 7.6.1): each is hop-by-hop for this message.
std::vector<std::string> connection_tokens(const beast::http::fields& fields) {
  std::vector<std::string> tokens;
  for (auto it = fields.find(beast::http::field::connection);
       it != fields.end() && it->name() == beast::http::field::connection; ++it) {
    for (auto token : beast::http::token_list{it->value()}) tokens.emplace_back(token);
  }
  return tokens;
}

bool named_in(const std::vector<std::string>& tokens, std::string_view name) {
  return std::any_of(tokens.begin(), tokens.end(),
                     [&](const std::string& token) { return iequals(token, name); });
}

void strip_hop_by_hop(beast::http::fields& fields, bool keep_upgrade, bool untrusted) {
  auto tokens = connection_tokens(fields);
  for (auto it = fields.begin(); it != fields.end();) {
    std::string_view name = it->name_string();
    bool strip = named_in(tokens, name) && !iequals(name, "transfer-encoding") &&
                 !iequals(name, "content-length") && !iequals(name, "host");
    if (!strip) {
      for (auto hop : hop_by_hop) {
        if (iequals(name, hop)) strip = true;
      }
    }
    if (keep_upgrade && iequals(name, "upgrade")) strip = false;
    if (untrusted && !strip) {
      strip = starts_with_nocase(name, "x-portal-") || starts_with_nocase(name, "x-forwarded-") ||
              iequals(name, "forwarded") || iequals(name, "x-request-id") || iequals(name, "expect");
    }
    it = strip ? fields.erase(it) : std::next(it);
  }
  if (keep_upgrade) fields.set(beast::http::field::connection, "upgrade");
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

void strip_untrusted_headers(beast::http::fields& fields, bool keep_upgrade) {
  strip_hop_by_hop(fields, keep_upgrade, /*untrusted=*/true);
}

void strip_response_hop_by_hop(beast::http::fields& fields, bool keep_upgrade) {
  strip_hop_by_hop(fields, keep_upgrade, /*untrusted=*/false);
}

void add_context_headers(beast::http::fields& fields, const RequestContext& context) {
  const tenants::Tenant& tenant = *context.tenant;
  std::string_view kind =
      context.match == tenants::HostMatch::custom_domain ? "custom" : "subdomain";
  fields.set(beast::http::field::host, context.host);
  fields.set("X-Portal-Org-Id", tenant.org_id);
  fields.set("X-Portal-Name", tenant.portal_name);
  fields.set("X-Portal-Host", context.host);
  fields.set("X-Portal-Host-Kind", kind);
  fields.set("X-Portal-Features", tenant.features_header);
  fields.set("X-Portal-Notify", tenant.notify_header);
  fields.set("X-Request-Id", context.request_id);
  fields.set("X-Forwarded-For", context.client_addr);
  fields.set("X-Forwarded-Proto", context.proto);
  fields.set("X-Forwarded-Host", context.host);
  std::string forwarded = "for=";
  bool ipv6 = context.client_addr.find(':') != std::string_view::npos;
  forwarded += ipv6 ? "\"[" : "";
  forwarded += context.client_addr;
  forwarded += ipv6 ? "]\"" : "";
  forwarded += ";host=";
  forwarded += context.host;
  forwarded += ";proto=";
  forwarded += context.proto;
  fields.set(beast::http::field::forwarded, forwarded);
  if (!context.signing_key.empty()) {
    fields.set("X-Portal-Timestamp", std::to_string(context.unix_time));
    fields.set("X-Portal-Signature", sign_context(context));
  }
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
