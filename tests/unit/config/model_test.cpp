#include "proxy/config/model.hpp"

#include <gtest/gtest.h>

namespace portico::config {

TEST(ConfigModel, ProblemFormatsAsFileLineColumn) {
  EXPECT_EQ(format_problem({{"/etc/portico.toml", 12, 5}, "unknown key 'workrs'", false}),
            "/etc/portico.toml:12:5: unknown key 'workrs'");
  EXPECT_EQ(format_problem({{"a.toml", 1, 1}, "certificate expires in 3 days", true}),
            "a.toml:1:1: warning: certificate expires in 3 days");
}

TEST(ConfigModel, EndpointPrintsIpv6InBrackets) {
  EXPECT_EQ((Endpoint{"::1", 8443, {}}).to_string(), "[::1]:8443");
  EXPECT_EQ((Endpoint{"127.0.0.1", 80, {}}).to_string(), "127.0.0.1:80");
}

TEST(ConfigModel, DefaultGatesAreTheFiveFeaturesSortedByName) {
  auto gates = FeaturesSection::default_gates();
  ASSERT_EQ(gates.size(), 5u);
  EXPECT_EQ(gates[0].name, "edit_profile");
  EXPECT_EQ(gates[4].name, "sales_orders");
  EXPECT_EQ(gates[0].methods.size(), 4u);
}

}  // namespace portico::config
