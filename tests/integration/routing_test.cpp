// Integration: tenant resolution, context headers and redirects through the real portico
// and demo_portal binaries.
#include <gtest/gtest.h>

#include "tests/integration/harness.hpp"

namespace portico::testing {
namespace {

const std::string tenants_config = R"toml(
[portal]
base_domain = "portal.localhost"

[[tenant]]
org_id = "1001"
name = "Acme Corporation"
portal_name = "acme"
previous_portal_names = ["acme-corp"]
show_sales_orders = true
enable_reviews = true
notify_org_on_activity = true

[[tenant]]
org_id = "1002"
name = "Zylker Traders Ltd."
custom_domains = ["billing.zylker.test"]
canonical_host = "custom"
allow_edit_profile = true

[[tenant]]
org_id = "1003"
name = "Globex"
portal_name = "globex"
custom_domains = ["portal.globex.test"]
)toml";

class Routing : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    demo_ = new DemoPortal();
    portico_ = new Portico(tenants_config, demo_->address());
  }
  static void TearDownTestSuite() {
    delete portico_;
    delete demo_;
  }
  static Echo echo(const std::string& host, const std::string& target = "/?format=json",
                   const std::map<std::string, std::string>& headers = {}) {
    auto response = http_request(portico_->http_port(), "GET", target, host, headers);
    EXPECT_EQ(response.result_int(), 200u) << response.body();
    return parse_echo(response.body());
  }
  static DemoPortal* demo_;
  static Portico* portico_;
};
DemoPortal* Routing::demo_ = nullptr;
Portico* Routing::portico_ = nullptr;

TEST_F(Routing, SubdomainGetsItsTenantAndExactContext) {
  Echo got = echo("acme.portal.localhost");
  EXPECT_EQ(got.one("x-portal-org-id"), "1001");
  EXPECT_EQ(got.one("x-portal-name"), "acme");
  EXPECT_EQ(got.one("x-portal-host"), "acme.portal.localhost");
  EXPECT_EQ(got.one("x-portal-host-kind"), "subdomain");
  EXPECT_EQ(got.one("x-portal-features"), "reviews,sales_orders");
  EXPECT_EQ(got.one("x-portal-notify"), "org_activity");
  EXPECT_EQ(got.one("x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(got.one("x-forwarded-proto"), "http");
  EXPECT_EQ(got.one("x-forwarded-host"), "acme.portal.localhost");
  EXPECT_EQ(got.one("forwarded"), "for=127.0.0.1;host=acme.portal.localhost;proto=http");
  ASSERT_TRUE(got.one("x-request-id"));
  EXPECT_EQ(got.one("x-request-id")->size(), 32u);
  EXPECT_FALSE(got.one("x-portal-signature"));  // no [context] secret_file here
}

TEST_F(Routing, CustomDomainGetsItsTenant) {
  Echo got = echo("portal.globex.test");
  EXPECT_EQ(got.one("x-portal-org-id"), "1003");
  EXPECT_EQ(got.one("x-portal-name"), "globex");
  EXPECT_EQ(got.one("x-portal-host-kind"), "custom");
  EXPECT_EQ(got.one("x-portal-features"), "");
  EXPECT_EQ(got.one("x-portal-notify"), "");
}

TEST_F(Routing, HostIsNormalizedBeforeLookup) {
  Echo got = echo("ACME.Portal.Localhost.:8080");
  EXPECT_EQ(got.one("x-portal-org-id"), "1001");
  EXPECT_EQ(got.one("x-portal-host"), "acme.portal.localhost");
  EXPECT_EQ(got.one("host"), "acme.portal.localhost");
}

TEST_F(Routing, GeneratedPortalNameRoutes) {
  // "Zylker Traders Ltd." -> zylker-traders-ltd; it is canonical on its custom domain.
  auto response = http_request(portico_->http_port(), "GET", "/invoices?page=2", "zylker-traders-ltd.portal.localhost");
  EXPECT_EQ(response.result_int(), 308u);
  EXPECT_EQ(response[boost::beast::http::field::location], "http://billing.zylker.test/invoices?page=2");
  Echo got = echo("billing.zylker.test");
  EXPECT_EQ(got.one("x-portal-org-id"), "1002");
  EXPECT_EQ(got.one("x-portal-features"), "edit_profile");
}

TEST_F(Routing, PreviousNameRedirectsPermanentlyKeepingPathAndQuery) {
  auto response = http_request(portico_->http_port(), "GET", "/quotes/QT-1?a=%2F&b=1", "acme-corp.portal.localhost:8080");
  EXPECT_EQ(response.result_int(), 308u);
  EXPECT_EQ(response[boost::beast::http::field::location],
            "http://acme.portal.localhost:8080/quotes/QT-1?a=%2F&b=1");
  EXPECT_EQ(response[boost::beast::http::field::server], "portico");
  EXPECT_FALSE(response["X-Request-Id"].empty());
}

TEST_F(Routing, UnknownHostIs404AndNeverReachesTheUpstream) {
  long before = demo_->accepts();
  Client client(portico_->http_port());
  for (const char* host : {"nobody.portal.localhost", "a.b.portal.localhost", "portal.localhost", "example.com"}) {
    auto response = client.request("GET", "/", host);
    EXPECT_EQ(response.result_int(), 404u) << host;
    EXPECT_NE(response.body().find("no portal at this address"), std::string::npos);
    EXPECT_EQ(response[boost::beast::http::field::date].size(), 29u) << host;  // "Sun, 06 Nov 1994 08:49:37 GMT"
  }
  auto json = client.request("GET", "/", "nobody.portal.localhost", {{"Accept", "application/json"}});
  EXPECT_EQ(json.result_int(), 404u);
  EXPECT_EQ(json[boost::beast::http::field::content_type], "application/json");
  EXPECT_NE(json.body().find("\"error\":\"unknown_host\""), std::string::npos);
  // +1: the /__stats request itself opens one connection.
  EXPECT_EQ(demo_->accepts(), before + 1);
}

TEST_F(Routing, BadHostsAre400) {
  for (const char* host : {"user@acme.portal.localhost", "acme..portal.localhost", "ac_me.portal.localhost",
                           "acme.portal.localhost:99999", "[::1]", "caf\xc3\xa9.portal.localhost"}) {
    auto response = http_request(portico_->http_port(), "GET", "/", host);
    EXPECT_EQ(response.result_int(), 400u) << host;
  }
}

TEST_F(Routing, MissingOrDuplicateHostIs400) {
  Client missing(portico_->http_port());
  missing.send_raw("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(missing.read_response().result_int(), 400u);
  Client twice(portico_->http_port());
  twice.send_raw("GET / HTTP/1.1\r\nHost: acme.portal.localhost\r\nHost: portal.globex.test\r\n\r\n");
  EXPECT_EQ(twice.read_response().result_int(), 400u);
}

TEST_F(Routing, AbsoluteFormTargetMustAgreeWithHost) {
  Client agree(portico_->http_port());
  agree.send_raw("GET http://acme.portal.localhost/?format=json HTTP/1.1\r\nHost: acme.portal.localhost\r\n\r\n");
  auto response = agree.read_response();
  ASSERT_EQ(response.result_int(), 200u);
  Echo got = parse_echo(response.body());
  EXPECT_EQ(got.target, "/?format=json");
  EXPECT_EQ(got.one("x-portal-org-id"), "1001");
  Client disagree(portico_->http_port());
  disagree.send_raw("GET http://portal.globex.test/ HTTP/1.1\r\nHost: acme.portal.localhost\r\n\r\n");
  EXPECT_EQ(disagree.read_response().result_int(), 400u);
}

TEST_F(Routing, SpoofedTrustHeadersNeverReachTheUpstream) {
  Echo got = echo("acme.portal.localhost", "/?format=json",
                  {{"X-Portal-Org-Id", "1003"},
                   {"x-portal-features", "projects"},
                   {"X-Portal-Anything", "1"},
                   {"X-Forwarded-For", "10.9.9.9"},
                   {"X-Forwarded-Proto", "https"},
                   {"X-Forwarded-Host", "evil.test"},
                   {"X-Forwarded-Port", "1"},
                   {"Forwarded", "for=10.9.9.9"},
                   {"X-Request-Id", "spoofed"}});
  EXPECT_EQ(got.all("x-portal-org-id"), std::vector<std::string>{"1001"});
  EXPECT_EQ(got.all("x-portal-features"), std::vector<std::string>{"reviews,sales_orders"});
  EXPECT_TRUE(got.all("x-portal-anything").empty());
  EXPECT_EQ(got.all("x-forwarded-for"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(got.all("x-forwarded-proto"), std::vector<std::string>{"http"});
  EXPECT_EQ(got.all("x-forwarded-host"), std::vector<std::string>{"acme.portal.localhost"});
  EXPECT_TRUE(got.all("x-forwarded-port").empty());
  EXPECT_EQ(got.all("forwarded").size(), 1u);
  EXPECT_NE(got.all("x-request-id").front(), "spoofed");
}

TEST_F(Routing, HopByHopAndConnectionNamedHeadersAreRemoved) {
  Echo got = echo("acme.portal.localhost", "/?format=json",
                  {{"Connection", "keep-alive, X-Secret-Token, x-other"},
                   {"X-Secret-Token", "abc"},
                   {"X-Other", "1"},
                   {"Keep-Alive", "timeout=5"},
                   {"Proxy-Connection", "keep-alive"},
                   {"Proxy-Authorization", "Basic Zm9vOmJhcg=="},
                   {"TE", "trailers"},
                   {"Trailer", "X-Foo"},
                   {"Upgrade", "h2c"},
                   {"X-Kept", "yes"}});
  for (const char* name : {"x-secret-token", "x-other", "keep-alive", "proxy-connection",
                           "proxy-authorization", "te", "trailer", "upgrade", "connection"}) {
    EXPECT_TRUE(got.all(name).empty()) << name;
  }
  EXPECT_EQ(got.one("x-kept"), "yes");
}

TEST_F(Routing, ResponseCarriesTheRequestIdTheUpstreamSaw) {
  auto response = http_request(portico_->http_port(), "GET", "/?format=json", "acme.portal.localhost");
  Echo got = parse_echo(response.body());
  EXPECT_EQ(std::string(response["X-Request-Id"]), got.one("x-request-id").value_or("missing"));
}

}  // namespace
}  // namespace portico::testing
