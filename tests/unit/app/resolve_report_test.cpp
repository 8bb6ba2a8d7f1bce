// app/resolve_report: GET /resolve answers from a compiled snapshot.
#include "proxy/app/resolve_report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "proxy/config/load.hpp"

namespace portico::app {
namespace {

std::shared_ptr<const config::Snapshot> snapshot() {
  auto loaded = config::load_config_string(R"toml(
[[tenant]]
org_id = "11"
name = "Acme"
portal_name = "acme"
previous_portal_names = ["acme-old"]
custom_domains = ["billing.acme.test"]
banner = "hello"
)toml", "test.toml");
  EXPECT_TRUE(loaded.ok());
  auto compiled = config::compile_snapshot(std::move(loaded.config), 1);
  EXPECT_TRUE(compiled.ok());
  return compiled.snapshot;
}

TEST(ResolveReport, SaysHowEachHostMatched) {
  auto current = snapshot();
  struct Case {
    const char* host;
    const char* match;
  } cases[] = {{"acme.portal.localhost", "current_name"},
               {"ACME-OLD.portal.localhost.", "previous_name"},
               {"billing.acme.test:443", "custom_domain"}};
  for (const auto& c : cases) {
    auto report = resolve_report(*current, c.host);
    ASSERT_TRUE(report) << c.host;
    auto json = boost::json::parse(*report).as_object();
    EXPECT_EQ(json.at("match").as_string(), c.match) << c.host;
    EXPECT_EQ(json.at("org_id").as_string(), "11");
    EXPECT_EQ(json.at("portal_name").as_string(), "acme");
    EXPECT_TRUE(json.at("banner").as_bool());
    EXPECT_EQ(json.at("certificate").as_string(), "");  // no [tls] in this config
  }
}

TEST(ResolveReport, NothingForUnknownOrInvalidNames) {
  auto current = snapshot();
  EXPECT_FALSE(resolve_report(*current, "nobody.portal.localhost"));
  EXPECT_FALSE(resolve_report(*current, "bad host"));
  EXPECT_FALSE(resolve_report(*current, ""));
}

}  // namespace
}  // namespace portico::app
