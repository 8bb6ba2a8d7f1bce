// Tests for acme/domain_state: the state machine, the backoff schedule, renewal with jitter
// and its floor, and the order rate limit. Time is passed in: nothing waits.
#include "proxy/acme/domain_state.hpp"

#include <gtest/gtest.h>

namespace portico::acme {
namespace {

using namespace std::chrono_literals;

const Clock::time_point t0 = Clock::time_point(std::chrono::seconds(1'800'000'000));

RenewalPolicy policy() {
  RenewalPolicy p;
  p.renew_before = 720h;
  p.renew_min_interval = 1h;
  p.retry_min = 5s;
  p.retry_max = 1h;
  return p;
}

TEST(RetryDelay, DoublesFromTheMinimumUpToTheCap) {
  const RenewalPolicy p = policy();
  EXPECT_EQ(retry_delay(1, p), 5s);
  EXPECT_EQ(retry_delay(2, p), 10s);
  EXPECT_EQ(retry_delay(3, p), 20s);
  EXPECT_EQ(retry_delay(10, p), 2560s);
  EXPECT_EQ(retry_delay(11, p), 1h);
  EXPECT_EQ(retry_delay(1000, p), 1h);
}

TEST(RenewalTime, BeforeExpiryWithJitterWithinATenth) {
  const RenewalPolicy p = policy();
  const auto not_after = t0 + 90 * 24h;
  EXPECT_EQ(renewal_time(not_after, t0, p, 0.0), not_after - 720h);
  EXPECT_EQ(renewal_time(not_after, t0, p, 0.5), not_after - 720h - 36h);
  EXPECT_GT(renewal_time(not_after, t0, p, 0.999), not_after - 720h - 72h);
}

TEST(RenewalTime, AWindowWiderThanTheLifetimeIsFlooredByTheMinimumInterval) {
  RenewalPolicy p = policy();
  p.renew_before = 100000h;
  p.renew_min_interval = 2s;
  EXPECT_EQ(renewal_time(t0 + 24h, t0, p, 0.3), t0 + 2s);
}

TEST(DomainState, NonePendingValid) {
  DomainState state;
  EXPECT_EQ(state.state, CertState::none);
  EXPECT_TRUE(state.due(t0));
  state.order_started();
  EXPECT_EQ(state.state, CertState::pending);
  EXPECT_FALSE(state.due(t0)) << "one order at a time";
  state.certificate_installed(t0 + 90 * 24h, t0, policy(), 0.0);
  EXPECT_EQ(state.state, CertState::valid);
  EXPECT_TRUE(state.has_certificate);
  EXPECT_EQ(state.not_after_unix, 1'800'000'000 + 90 * 24 * 3600);
  EXPECT_FALSE(state.due(t0 + 59 * 24h));
  EXPECT_TRUE(state.due(t0 + 60 * 24h));
}

TEST(DomainState, FailuresBackOffAndKeepTheLastError) {
  DomainState state;
  state.order_started();
  state.order_failed("connection refused", t0, policy());
  EXPECT_EQ(state.state, CertState::failed);
  EXPECT_EQ(state.last_error, "connection refused");
  EXPECT_EQ(state.next_attempt, t0 + 5s);
  EXPECT_FALSE(state.due(t0 + 4s));
  state.order_started();
  EXPECT_EQ(state.state, CertState::pending);
  state.order_failed("again", t0 + 5s, policy());
  EXPECT_EQ(state.next_attempt, t0 + 15s);
  state.order_started();
  state.certificate_installed(t0 + 90 * 24h, t0 + 15s, policy(), 0.0);
  EXPECT_EQ(state.failures, 0u);
  EXPECT_TRUE(state.last_error.empty());
}

TEST(DomainState, AFailedRenewalKeepsTheValidCertificate) {
  DomainState state;
  state.order_started();
  state.certificate_installed(t0 + 10 * 24h, t0, policy(), 0.0);
  state.order_started();
  EXPECT_EQ(state.state, CertState::valid) << "renewing does not disturb the served certificate";
  state.order_failed("ACME server down", t0 + 1h, policy());
  EXPECT_EQ(state.state, CertState::valid);
  EXPECT_TRUE(state.has_certificate);
  EXPECT_EQ(state.last_error, "ACME server down");
  EXPECT_EQ(state.next_attempt, t0 + 1h + 5s);
}

TEST(OrderRateLimit, SlidingHour) {
  OrderRateLimit limit(2);
  EXPECT_TRUE(limit.try_start(t0));
  EXPECT_TRUE(limit.try_start(t0 + 10min));
  EXPECT_FALSE(limit.try_start(t0 + 20min));
  EXPECT_EQ(limit.next_slot(t0 + 20min), t0 + 1h);
  EXPECT_TRUE(limit.try_start(t0 + 1h));
  EXPECT_FALSE(limit.try_start(t0 + 1h + 1min));
  EXPECT_EQ(limit.next_slot(t0 + 1h + 1min), t0 + 70min);
}

}  // namespace
}  // namespace portico::acme
