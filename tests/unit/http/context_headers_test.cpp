// Unit: the heads Portico writes, byte for byte. The upstream's (append_upstream_head): the
// client's fields in order minus everything a client must not set or that is hop-by-hop,
// then Host and the context. The client's (append_client_head): the upstream's fields minus
// hop-by-hop ones and Portico's own, then what Portico adds or replaces.
#include "proxy/http/context_headers.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <string>

#include "proxy/tenants/tenant.hpp"

namespace portico::http {
namespace {

namespace bhttp = boost::beast::http;

tenants::Tenant globex() {
  tenants::Tenant tenant;
  tenant.org_id = "2002";
  tenant.portal_name = "globex";
  tenant.features_header = "projects,sales_orders";
  tenant.notify_header = "";
  return tenant;
}

RequestContext context_for(const tenants::Tenant& tenant) {
  RequestContext context;
  context.tenant = &tenant;
  context.match = tenants::HostMatch::current_name;
  context.host = "globex.portal.example";
  context.proto = "http";
  context.client_addr = "127.0.0.1";
  context.request_id = "req-1";
  context.method = "POST";
  context.target = "/invoices?page=2";
  return context;
}

// A head parsed by Beast as read_head (a client's) and read_response_head (an upstream's)
// do: the parser stops once the head is done.
template <bool isRequest>
bhttp::header<isRequest> parsed_head(const std::string& head) {
  bhttp::parser<isRequest, bhttp::empty_body> parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_header_done());
  return parser.release().base();
}

bhttp::request_header<> parsed(const std::string& head) { return parsed_head<true>(head); }

std::string upstream_head(const bhttp::request_header<>& request, const RequestContext& context,
                          UpstreamHeadOptions options = {}) {
  std::string out = "kept";  // appended, never replaced
  append_upstream_head(request, context, options, out);
  EXPECT_EQ(out.substr(0, 4), "kept");
  return out.substr(4);
}

constexpr std::string_view context_lines =
    "Host: globex.portal.example\r\n"
    "X-Portal-Org-Id: 2002\r\n"
    "X-Portal-Name: globex\r\n"
    "X-Portal-Host: globex.portal.example\r\n"
    "X-Portal-Host-Kind: subdomain\r\n"
    "X-Portal-Features: projects,sales_orders\r\n"
    "X-Portal-Notify: \r\n"
    "X-Request-Id: req-1\r\n"
    "X-Forwarded-For: 127.0.0.1\r\n"
    "X-Forwarded-Proto: http\r\n"
    "X-Forwarded-Host: globex.portal.example\r\n"
    "Forwarded: for=127.0.0.1;host=globex.portal.example;proto=http\r\n";

TEST(UpstreamHead, ForgedAndHopByHopFieldsGoAndTheContextFollowsTheClientsFields) {
  const auto tenant = globex();
  const auto request = parsed(
      "POST /invoices?page=2 HTTP/1.0\r\n"
      "host: GLOBEX.portal.example\r\n"
      "Accept: text/html\r\n"
      "x-portal-org-id: 1001\r\n"
      "X-Portal-Anything: forged\r\n"
      "X-Forwarded-For: 10.0.0.1\r\n"
      "forwarded: for=evil\r\n"
      "X-Request-Id: mine\r\n"
      "Expect: 100-continue\r\n"
      "Connection: keep-alive, X-Secret, Content-Length\r\n"
      "Keep-Alive: timeout=5\r\n"
      "X-Secret: named in Connection\r\n"
      "TE: trailers\r\n"
      "Upgrade: h2c\r\n"
      "Proxy-Authorization: Basic eA==\r\n"
      "Content-Length: 3\r\n"
      "Accept-Encoding: gzip\r\n"
      "\r\n");
  EXPECT_EQ(upstream_head(request, context_for(tenant)),
            "POST /invoices?page=2 HTTP/1.1\r\n"  // upstream connections are HTTP/1.1
            "Accept: text/html\r\n"
            "Content-Length: 3\r\n"  // named in Connection, but it frames the body
            "Accept-Encoding: gzip\r\n" +
                std::string(context_lines) + "\r\n");
}

TEST(UpstreamHead, AWebSocketUpgradeKeepsUpgradeAndTheBannerAsksForIdentity) {
  const auto tenant = globex();
  const auto request = parsed(
      "GET / HTTP/1.1\r\n"
      "Host: globex.portal.example\r\n"
      "Connection: Upgrade\r\n"
      "Upgrade: websocket\r\n"
      "Accept-Encoding: br\r\n"
      "\r\n");
  EXPECT_EQ(upstream_head(request, context_for(tenant), {.keep_upgrade = true}),
            "GET / HTTP/1.1\r\n"
            "Upgrade: websocket\r\n"
            "Accept-Encoding: br\r\n"
            "Connection: upgrade\r\n" +
                std::string(context_lines) + "\r\n");
  EXPECT_EQ(upstream_head(request, context_for(tenant), {.identity_encoding = true}),
            "GET / HTTP/1.1\r\n" + std::string(context_lines) +
                "Accept-Encoding: identity\r\n"
                "\r\n");
}

TEST(UpstreamHead, CustomDomainsIpv6ClientsAndTheSignature) {
  const auto tenant = globex();
  auto context = context_for(tenant);
  context.match = tenants::HostMatch::custom_domain;
  context.host = "portal.globex.test";
  context.client_addr = "::1";
  context.signing_key = "0123456789abcdef0123456789abcdef";
  context.unix_time = 1717200000;
  const auto head = upstream_head(parsed("GET / HTTP/1.1\r\nHost: portal.globex.test\r\n\r\n"), context);
  EXPECT_NE(head.find("\r\nX-Portal-Host-Kind: custom\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nForwarded: for=\"[::1]\";host=portal.globex.test;proto=http\r\n"), std::string::npos);
  const std::string signature_lines =
      "X-Portal-Timestamp: 1717200000\r\nX-Portal-Signature: " + sign_context(context) + "\r\n\r\n";
  ASSERT_GE(head.size(), signature_lines.size());
  EXPECT_EQ(head.substr(head.size() - signature_lines.size()), signature_lines);
  EXPECT_EQ(sign_context(context).substr(0, 3), "v1=");
  EXPECT_EQ(sign_context(context).size(), 3u + 64u);  // hex of an HMAC-SHA256
}

std::string client_head(const std::string& upstream, const ClientHeadOptions& options) {
  std::string out = "kept";  // appended, never replaced
  append_client_head(parsed_head<false>(upstream), options, out);
  EXPECT_EQ(out.substr(0, 4), "kept");
  return out.substr(4);
}

TEST(ClientHead, HopByHopActivityAndRequestIdGoAndPorticosFollow) {
  ClientHeadOptions options;
  options.request_id = "req-1";
  options.date = "Fri, 27 Nov 2026 22:00:00 GMT";  // the upstream sent none
  EXPECT_EQ(client_head("HTTP/1.1 200 OK\r\n"
                        "Content-Type: text/html\r\n"
                        "Connection: keep-alive, X-Hop\r\n"
                        "X-Hop: 1\r\n"
                        "Keep-Alive: timeout=5\r\n"
                        "X-Portal-Activity: invoice.paid\r\n"
                        "x-request-id: upstream's\r\n"
                        "Content-Length: 5\r\n"
                        "\r\n",
                        options),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/html\r\n"
            "Content-Length: 5\r\n"
            "X-Request-Id: req-1\r\n"
            "Date: Fri, 27 Nov 2026 22:00:00 GMT\r\n"
            "\r\n");
}

TEST(ClientHead, ClosingHsts10ClientsAndAnOwnReason) {
  ClientHeadOptions options;
  options.request_id = "req-2";
  options.keep_alive = false;
  options.hsts = "max-age=31536000";
  const std::string upstream = "HTTP/1.1 404 Nothing Here\r\n"
                               "Date: Fri, 27 Nov 2026 21:59:59 GMT\r\n"
                               "Strict-Transport-Security: max-age=1\r\n"
                               "Content-Length: 0\r\n"
                               "\r\n";
  EXPECT_EQ(client_head(upstream, options),
            "HTTP/1.1 404 Nothing Here\r\n"
            "Date: Fri, 27 Nov 2026 21:59:59 GMT\r\n"
            "Content-Length: 0\r\n"
            "X-Request-Id: req-2\r\n"
            "Strict-Transport-Security: max-age=31536000\r\n"
            "Connection: close\r\n"
            "\r\n");
  options.version = 10;
  options.hsts = {};
  for (bool keep_alive : {true, false}) {
    options.keep_alive = keep_alive;
    const std::string head = client_head(upstream, options);
    EXPECT_EQ(head.substr(0, 9), "HTTP/1.0 ");
    EXPECT_NE(head.find("\r\nStrict-Transport-Security: max-age=1\r\n"), std::string::npos);  // as sent
    EXPECT_EQ(head.find("Connection: keep-alive") != std::string::npos, keep_alive);
    EXPECT_EQ(head.find("Connection: close"), std::string::npos);
  }
}

TEST(ClientHead, ReframingAndTheBanner) {
  using Framing = ClientHeadOptions::Framing;
  ClientHeadOptions options;
  options.request_id = "r";
  const std::string sized = "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nContent-Length: 10\r\nDate: d\r\n\r\n";
  options.banner = true;
  options.framing = Framing::chunked;
  EXPECT_EQ(client_head(sized, options),
            "HTTP/1.1 200 OK\r\nDate: d\r\nX-Request-Id: r\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string weak = "HTTP/1.1 200 OK\r\nETag: W/\"v1\"\r\nTransfer-Encoding: chunked\r\nDate: d\r\n\r\n";
  options.framing = Framing::as_sent;  // already chunked: stays as sent
  EXPECT_EQ(client_head(weak, options),
            "HTTP/1.1 200 OK\r\nETag: W/\"v1\"\r\nTransfer-Encoding: chunked\r\nDate: d\r\nX-Request-Id: r\r\n\r\n");
  options.banner = false;
  options.framing = Framing::unchunked;  // to an HTTP/1.0 client
  options.version = 10;
  options.keep_alive = false;
  EXPECT_EQ(client_head(weak, options),
            "HTTP/1.0 200 OK\r\nETag: W/\"v1\"\r\nDate: d\r\nX-Request-Id: r\r\n\r\n");
}

TEST(ClientHead, AnUpgradeKeepsUpgradeAndSaysSoInConnection) {
  ClientHeadOptions options;
  options.request_id = "r";
  options.upgraded = true;
  EXPECT_EQ(client_head("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Accept: abc\r\nDate: d\r\n\r\n",
                        options),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc\r\n"
            "Date: d\r\nX-Request-Id: r\r\nConnection: upgrade\r\n\r\n");
}

}  // namespace
}  // namespace portico::http
