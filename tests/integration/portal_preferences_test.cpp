// Integration: the tenant's portal preferences at the edge: feature gates, the banner on
// the home page, and the signed context.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/beast/http/field.hpp>

#include "tests/integration/harness.hpp"

namespace portico::testing {
namespace {
namespace bhttp = boost::beast::http;

const std::string tenants = R"toml(
[context]
secret_file = "context.key"

[[tenant]]
org_id = "2001"
name = "Everything On"
portal_name = "allon"
banner = "Closed <b>24-26</b> December & \"soon\""
allow_edit_profile = true
allow_forward_documents = true
enable_reviews = true
show_sales_orders = true
show_projects = true

[[tenant]]
org_id = "2002"
name = "Everything Off"
portal_name = "alloff"
)toml";

class PortalPreferences : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    demo_ = new DemoPortal();
    // The key file sits next to the config: relative paths resolve against it.
    portico_ = new Portico(tenants, demo_->address(), "", {{"context.key", "0123456789abcdef-test-key\n"}});
  }
  static void TearDownTestSuite() {
    delete portico_;
    delete demo_;
  }
  static DemoPortal* demo_;
  static Portico* portico_;
};
DemoPortal* PortalPreferences::demo_ = nullptr;
Portico* PortalPreferences::portico_ = nullptr;

struct GateCase {
  const char* method;
  const char* path;
};

TEST_F(PortalPreferences, EachGateBlocksATenantWithoutThePreferenceAndPassesOneWithIt) {
  const GateCase gated[] = {
      {"GET", "/salesorders"},          {"GET", "/salesorders/SO-1"},     {"GET", "/projects"},
      {"GET", "/timesheets"},           {"GET", "/reviews"},              {"POST", "/invoices/INV-1/forward"},
      {"POST", "/quotes/QT-1/forward"}, {"POST", "/salesorders/SO-1/forward"}, {"POST", "/profile"},
      {"GET", "/SALESORDERS"},          {"GET", "//salesorders"},         {"GET", "/a/../salesorders"},
      {"GET", "/%73alesorders"},
  };
  Client on(portico_->http_port());
  Client off(portico_->http_port());
  for (const auto& gate : gated) {
    auto blocked = off.request(gate.method, gate.path, "alloff.portal.localhost", {}, "");
    EXPECT_EQ(blocked.result_int(), 404u) << gate.method << " " << gate.path;
    EXPECT_NE(blocked.body().find("not available on this portal"), std::string::npos);
    auto passed = on.request(gate.method, gate.path, "allon.portal.localhost", {}, "");
    // Forwarded: whatever the app answers (its router is case-sensitive), it is the app's.
    EXPECT_EQ(passed[bhttp::field::server], "demo-portal") << gate.method << " " << gate.path;
  }
  // Viewing the profile is open to everyone; only editing is gated.
  EXPECT_EQ(off.request("GET", "/profile", "alloff.portal.localhost").result_int(), 200u);
}

TEST_F(PortalPreferences, BlockedRequestsNeverReachTheUpstream) {
  Client off(portico_->http_port());
  off.request("GET", "/invoices", "alloff.portal.localhost");  // this worker's pool is warm
  auto stats_before = http_request(demo_->port(), "GET", "/__stats", "stats.local").body();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(off.request("GET", "/salesorders", "alloff.portal.localhost").result_int(), 404u);
  auto stats_after = http_request(demo_->port(), "GET", "/__stats", "stats.local").body();
  // requests counted by the upstream: only the two /__stats probes in between.
  auto requests = [](const std::string& json) {
    auto at = json.find("\"requests\":");
    return std::stol(json.substr(at + 11));
  };
  EXPECT_EQ(requests(stats_after) - requests(stats_before), 1);
}

TEST_F(PortalPreferences, AmbiguousPathsAre400) {
  for (const char* path : {"/salesorders%2F1", "/%2e%2e/salesorders", "/salesorders;x", "/a\\b", "/../x"}) {
    auto response = http_request(portico_->http_port(), "GET", path, "allon.portal.localhost");
    EXPECT_EQ(response.result_int(), 400u) << path;
  }
}

TEST_F(PortalPreferences, GatesJudgeThePathTheUpstreamReceives) {
  auto response = http_request(portico_->http_port(), "GET", "/a/../invoices/./b/..//%7Euser?format=json&q=%2F",
                               "allon.portal.localhost");
  ASSERT_EQ(response.result_int(), 200u);
  EXPECT_EQ(parse_echo(response.body()).target, "/invoices/~user?format=json&q=%2F");
}

const std::string banner_html =
    "<div class=\"portal-banner\" role=\"status\">Closed &lt;b&gt;24-26&lt;/b&gt; December &amp; &quot;soon&quot;</div>";

TEST_F(PortalPreferences, BannerOnHomeAndRootOnlyRightAfterBody) {
  Client client(portico_->http_port());
  for (const char* path : {"/", "/home", "/home/", "/?chunked=1", "/home?size=200000", "/home?chunked=1&size=200000"}) {
    auto response = client.request("GET", path, "allon.portal.localhost");
    ASSERT_EQ(response.result_int(), 200u) << path;
    const std::string& body = response.body();
    auto body_tag = body.find("<body class=\"portal\">");
    ASSERT_NE(body_tag, std::string::npos) << path;
    EXPECT_EQ(body.compare(body_tag + 21, banner_html.size(), banner_html), 0) << path;
    EXPECT_EQ(body.find(banner_html, body_tag + 21 + banner_html.size()), std::string::npos) << path;
    EXPECT_EQ(body.substr(body.size() - 8), "</html>\n") << path;
    EXPECT_TRUE(response.chunked()) << path;  // re-framed: the body grew
  }
  for (const char* path : {"/invoices", "/homes", "/?format=json"}) {
    auto response = client.request("GET", path, "allon.portal.localhost");
    EXPECT_EQ(response.body().find("portal-banner"), std::string::npos) << path;
  }
  auto no_banner = client.request("GET", "/", "alloff.portal.localhost");
  EXPECT_EQ(no_banner.body().find("portal-banner"), std::string::npos);
  EXPECT_FALSE(no_banner.chunked());
}

TEST_F(PortalPreferences, BannerPathsAskForIdentityEncodingAndDropStrongEtags) {
  Client client(portico_->http_port());
  auto response = client.request("GET", "/?etag=1", "allon.portal.localhost", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_EQ(response.result_int(), 200u);
  EXPECT_TRUE(response[bhttp::field::etag].empty());
  auto echo = client.request("GET", "/?format=json", "allon.portal.localhost", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(parse_echo(echo.body()).one("accept-encoding"), "identity");
  auto head = client.request("HEAD", "/", "allon.portal.localhost");
  EXPECT_TRUE(head.chunked());
  EXPECT_TRUE(head[bhttp::field::content_length].empty());
  // Still in step after HEAD.
  EXPECT_EQ(client.request("GET", "/invoices", "allon.portal.localhost").result_int(), 200u);
}

std::string hmac_hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size);
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < size; ++i) {
    hex += digits[mac[i] >> 4];
    hex += digits[mac[i] & 0xf];
  }
  return hex;
}

TEST_F(PortalPreferences, ContextSignatureVerifiesWithTheDocumentedString) {
  auto response = http_request(portico_->http_port(), "GET", "/invoices?format=json", "allon.portal.localhost");
  Echo got = parse_echo(response.body());
  auto value = [&](const char* name) { return got.one(name).value_or("<missing>"); };
  // docs/context-headers.md: "v1\n" then each value followed by "\n".
  std::string base = "v1\n" + value("x-portal-timestamp") + "\n" + value("x-portal-org-id") + "\n" +
                     value("x-portal-name") + "\n" + value("x-portal-host") + "\n" + value("x-portal-host-kind") +
                     "\n" + value("x-portal-features") + "\n" + value("x-portal-notify") + "\n" +
                     value("x-request-id") + "\n" + value("x-forwarded-for") + "\n" + value("x-forwarded-proto") +
                     "\n" + got.method + "\n" + got.target + "\n";
  EXPECT_EQ(value("x-portal-signature"), "v1=" + hmac_hex("0123456789abcdef-test-key", base));
}

}  // namespace
}  // namespace portico::testing
