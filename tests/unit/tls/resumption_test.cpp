// Session resumption in real handshakes: tickets resume under the SNI name they were issued
// for and never under another (CVE-2025-23419), and survive a reload with the same keys.
#include "tests/unit/tls/store_fixture.hpp"

namespace portico::tls {
namespace {

using test_support::ClientOptions;
using test_support::handshake;

class Resumption : public test_support::StoreFixture,
                   public ::testing::WithParamInterface<int> {
 protected:
  ClientOptions client(std::string sni, SSL_SESSION* session = nullptr) const {
    return {.sni = std::move(sni), .max_version = GetParam(), .session = session};
  }
};

INSTANTIATE_TEST_SUITE_P(TlsVersions, Resumption,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const auto& param) { return param.param == TLS1_2_VERSION ? "Tls12" : "Tls13"; });

TEST_P(Resumption, ResumesUnderTheSameName) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  auto first = handshake(store->server_context(), client("acme.portal.test"));
  ASSERT_TRUE(first.ok);
  ASSERT_NE(first.session, nullptr);
  EXPECT_FALSE(first.resumed());
  auto again = handshake(store->server_context(), client("acme.portal.test", first.session.get()));
  ASSERT_TRUE(again.ok);
  EXPECT_TRUE(again.offered_resumption);
  EXPECT_TRUE(again.resumed());
  EXPECT_EQ(handshake_info(again.server.get())->sni, "acme.portal.test");
}

TEST_P(Resumption, NeverResumesUnderAnotherName) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  auto first = handshake(store->server_context(), client("acme.portal.test"));
  ASSERT_TRUE(first.ok);
  // Same certificate (the wildcard), another tenant's name: a full handshake, and the
  // HandshakeInfo the http layer judges the Host by is this handshake's name.
  for (const char* other : {"globex.portal.test", "billing.acme.test"}) {
    auto crossed = handshake(store->server_context(), client(other, first.session.get()));
    ASSERT_TRUE(crossed.ok) << other;
    EXPECT_TRUE(crossed.offered_resumption) << other;
    EXPECT_FALSE(crossed.resumed()) << other;
    EXPECT_EQ(handshake_info(crossed.server.get())->sni, other);
  }
  // Nor from a name to no SNI at all.
  ClientOptions without = client("");
  without.sni.reset();
  without.session = first.session.get();
  auto anonymous = handshake(store->server_context(), without);
  ASSERT_TRUE(anonymous.ok);
  EXPECT_FALSE(anonymous.resumed());
}

TEST_P(Resumption, LongNamesResumeOnlyUnderThemselves) {
  // Names of 32 bytes and more are hashed into the session id context.
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  const std::string long_a = "a-very-long-portal-name-number-one.portal.test";
  const std::string long_b = "a-very-long-portal-name-number-two.portal.test";
  auto first = handshake(store->server_context(), client(long_a));
  ASSERT_TRUE(first.ok);
  EXPECT_TRUE(handshake(store->server_context(), client(long_a, first.session.get())).resumed());
  EXPECT_FALSE(handshake(store->server_context(), client(long_b, first.session.get())).resumed());
}

TEST_P(Resumption, TicketsSurviveAReloadWithTheSameKeys) {
  auto keys = std::make_shared<TicketKeys>();
  auto before = build(config(), keys);
  ASSERT_NE(before, nullptr);
  auto first = handshake(before->server_context(), client("billing.acme.test"));
  ASSERT_TRUE(first.ok);
  auto after = build(config(), keys);
  ASSERT_NE(after, nullptr);
  auto resumed = handshake(after->server_context(), client("billing.acme.test", first.session.get()));
  ASSERT_TRUE(resumed.ok);
  EXPECT_TRUE(resumed.resumed());
  auto stranger = build(config(), std::make_shared<TicketKeys>());
  ASSERT_NE(stranger, nullptr);
  auto refused =
      handshake(stranger->server_context(), client("billing.acme.test", first.session.get()));
  ASSERT_TRUE(refused.ok);
  EXPECT_TRUE(refused.offered_resumption);
  EXPECT_FALSE(refused.resumed());
}

TEST_P(Resumption, TicketsOutliveOneKeyRotationButNotTwo) {
  auto keys = std::make_shared<TicketKeys>();
  auto store = build(config(), keys);
  ASSERT_NE(store, nullptr);
  auto first = handshake(store->server_context(), client("acme.portal.test"));
  ASSERT_TRUE(first.ok);
  ASSERT_TRUE(keys->rotate());
  EXPECT_TRUE(
      handshake(store->server_context(), client("acme.portal.test", first.session.get())).resumed());
  ASSERT_TRUE(keys->rotate());
  EXPECT_FALSE(
      handshake(store->server_context(), client("acme.portal.test", first.session.get())).resumed());
}

TEST_P(Resumption, CountsHandshakesAndResumptions) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  auto first = handshake(store->server_context(), client("acme.portal.test"));
  ASSERT_TRUE(first.ok);
  store->counters().record_handshake(first.server.get());
  auto again = handshake(store->server_context(), client("acme.portal.test", first.session.get()));
  ASSERT_TRUE(again.resumed());
  store->counters().record_handshake(again.server.get());
  EXPECT_EQ(store->counters().handshakes.load(), 2u);
  EXPECT_EQ(store->counters().resumptions.load(), 1u);
}

class SessionCache : public test_support::StoreFixture {};

TEST_F(SessionCache, SessionIdsAloneDoNotResume) {
  // No server-side session cache: TLS 1.2 clients without ticket support get full handshakes.
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  ClientOptions options{.sni = "acme.portal.test", .max_version = TLS1_2_VERSION, .no_ticket = true};
  auto first = handshake(store->server_context(), options);
  ASSERT_TRUE(first.ok);
  options.session = first.session.get();
  auto again = handshake(store->server_context(), options);
  ASSERT_TRUE(again.ok);
  EXPECT_FALSE(again.resumed());
}

}  // namespace
}  // namespace portico::tls
