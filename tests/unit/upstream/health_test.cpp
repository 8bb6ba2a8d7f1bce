// upstream/health: round-robin over available servers, passive ejection, active checks,
// state handed over by a reload.
#include "proxy/upstream/health.hpp"

#include <gtest/gtest.h>

namespace portico::upstream {
namespace {

using namespace std::chrono_literals;

config::UpstreamSection three_servers(std::string health_path = "") {
  config::UpstreamSection upstream;
  upstream.servers = {{"127.0.0.1", 9001, {}}, {"127.0.0.1", 9002, {}}, {"127.0.0.1", 9003, {}}};
  upstream.health_path = std::move(health_path);
  upstream.health_interval = 5s;
  return upstream;
}

TEST(UpstreamHealth, PicksRoundRobinAndSkipsTriedServers) {
  UpstreamHealth health(three_servers());
  std::size_t cursor = 0;
  EXPECT_EQ(health.pick(cursor, 0), 0u);
  EXPECT_EQ(health.pick(cursor, 0), 1u);
  EXPECT_EQ(health.pick(cursor, 0), 2u);
  EXPECT_EQ(health.pick(cursor, 0), 0u);
  EXPECT_EQ(health.pick(cursor, 0b011), 2u);
  EXPECT_EQ(health.pick(cursor, 0b111), std::nullopt);
  EXPECT_EQ(health.name(1), "127.0.0.1:9002");
}

TEST(UpstreamHealth, AConnectFailureEjectsForOneIntervalWithoutActiveChecks) {
  UpstreamHealth health(three_servers());
  auto now = HealthClock::now();
  EXPECT_TRUE(health.report_connect_failure(1, now));
  EXPECT_FALSE(health.report_connect_failure(1, now));  // already out
  EXPECT_FALSE(health.available(1, now + 4s));
  EXPECT_TRUE(health.available(1, now + 5s));
  EXPECT_EQ(health.available_count(now), 2u);
  std::size_t cursor = 1;
  EXPECT_EQ(health.pick(cursor, 0, now), 2u);  // 1 is skipped
}

TEST(UpstreamHealth, WithActiveChecksAnEjectedServerWaitsForAPassingCheck) {
  UpstreamHealth health(three_servers("/healthz"));
  auto now = HealthClock::now();
  health.report_connect_failure(0, now);
  EXPECT_FALSE(health.available(0, now + 1h));
  EXPECT_FALSE(health.record_check(0, false));  // still out: no change
  EXPECT_TRUE(health.record_check(0, true));
  EXPECT_TRUE(health.available(0));
  EXPECT_TRUE(health.record_check(2, false));
  EXPECT_FALSE(health.available(2));
  std::size_t cursor = 2;
  EXPECT_EQ(health.pick(cursor, 0), 0u);
}

TEST(UpstreamHealth, AReloadKeepsTheStateOfServersThatStay) {
  UpstreamHealth before(three_servers("/healthz"));
  before.record_check(1, false);
  config::UpstreamSection next = three_servers("/healthz");
  next.servers = {{"127.0.0.1", 9002, {}}, {"127.0.0.1", 9004, {}}};
  UpstreamHealth after(next);
  after.inherit(before);
  EXPECT_FALSE(after.available(0));  // 9002 was failing its checks
  EXPECT_TRUE(after.available(1));   // 9004 is new: healthy until shown otherwise
}

}  // namespace
}  // namespace portico::upstream
