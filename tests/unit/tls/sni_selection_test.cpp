// Certificate selection by SNI in real handshakes: exact, wildcard, default, reject.
#include <openssl/sslerr.h>

#include <atomic>
#include <thread>

#include "tests/unit/tls/store_fixture.hpp"

namespace portico::tls {
namespace {

using test_support::ClientOptions;
using test_support::handshake;

class SniSelection : public test_support::StoreFixture {};

TEST_F(SniSelection, ServesTheCertificateChosenForEachName) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  struct Case {
    std::optional<std::string> sni;
    std::string served;
  };
  const Case cases[] = {
      {"billing.acme.test", "billing.acme.test"},         // exact: cert_dir file name
      {"www.billing.acme.test", "billing.acme.test"},     // exact: a SAN of that file
      {"BILLING.Acme.Test.", "billing.acme.test"},        // normalized like a Host
      {"acme.portal.test", "portal.test"},                // wildcard of the default
      {"shop.example.test", "*.example.test"},            // wildcard from cert_dir
      {"a.b.portal.test", "portal.test"},                 // two labels: default, not wildcard
      {"unknown.test", "portal.test"},                    // unknown: default
      {std::nullopt, "portal.test"},                      // no SNI: default
      {"bad_name.test", "portal.test"},                   // not a host name: like no SNI
  };
  for (const Case& c : cases) {
    auto result = handshake(store->server_context(), ClientOptions{.sni = c.sni});
    ASSERT_TRUE(result.ok) << c.sni.value_or("<none>");
    EXPECT_EQ(result.served(), c.served) << c.sni.value_or("<none>");
  }
}

TEST_F(SniSelection, HandshakeInfoHoldsTheNormalizedName) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  auto with_name = handshake(store->server_context(), {.sni = "Shop.Globex.TEST."});
  ASSERT_TRUE(with_name.ok);
  ASSERT_NE(handshake_info(with_name.server.get()), nullptr);
  EXPECT_EQ(handshake_info(with_name.server.get())->sni, "shop.globex.test");
  auto without = handshake(store->server_context(), {});
  ASSERT_TRUE(without.ok);
  EXPECT_EQ(handshake_info(without.server.get())->sni, "");
  EXPECT_EQ(handshake_info(without.client.get()), nullptr);
}

TEST_F(SniSelection, RejectModeAbortsUnknownNamesWithUnrecognizedName) {
  auto cfg = config();
  cfg.tls.unknown_sni = "reject";
  auto store = build(cfg);
  ASSERT_NE(store, nullptr);
  for (const std::optional<std::string>& sni :
       {std::optional<std::string>("unknown.test"), std::optional<std::string>("a.b.portal.test"),
        std::optional<std::string>()}) {
    auto result = handshake(store->server_context(), ClientOptions{.sni = sni});
    EXPECT_FALSE(result.ok) << sni.value_or("<none>");
    EXPECT_EQ(result.client_reason(), SSL_R_TLSV1_UNRECOGNIZED_NAME) << sni.value_or("<none>");
    ASSERT_NE(handshake_info(result.server.get()), nullptr);
    EXPECT_TRUE(handshake_info(result.server.get())->rejected);
    EXPECT_EQ(classify_handshake_error(result.server.get(), result.server_error),
              HandshakeFailure::unrecognized_name);
  }
  // Names a certificate covers are still served, the default's own names included.
  for (const char* sni : {"billing.acme.test", "acme.portal.test", "portal.test"}) {
    EXPECT_TRUE(handshake(store->server_context(), {.sni = sni}).ok) << sni;
  }
}

TEST_F(SniSelection, DescribeSelectionMatchesTheHandshake) {
  auto cfg = config();
  auto store = build(cfg);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->describe_selection("billing.acme.test"), "billing.acme.test");
  EXPECT_EQ(store->describe_selection("acme.portal.test"), "portal.test");
  EXPECT_EQ(store->describe_selection("x.example.test"), "_wildcard.example.test");
  EXPECT_EQ(store->describe_selection("nobody.test"), "portal.test");
  cfg.tls.unknown_sni = "reject";
  auto rejecting = build(cfg);
  ASSERT_NE(rejecting, nullptr);
  EXPECT_EQ(rejecting->describe_selection("nobody.test"), "");
  EXPECT_EQ(rejecting->describe_selection(""), "");
  EXPECT_EQ(rejecting->describe_selection("Shop.Globex.Test"), "shop.globex.test");
}

TEST_F(SniSelection, TenantCertificateReplacesAnRsaDefaultEntirely) {
  // An RSA default and an ECDSA tenant certificate live in different key slots; a client that
  // only accepts RSA signatures must fail rather than receive the default for a tenant name.
  PkeyPtr rsa = test_support::make_rsa_key();
  X509Ptr cert = test_support::make_cert({"rsa-default", {"*.portal.test"}}, rsa.get(),
                                         pki.ca.get(), pki.ca_key.get());
  const std::string rsa_file = test_support::write_file(
      dir.file("rsa-default.pem"), test_support::pem_of(cert.get()) + test_support::pem_of(rsa.get()));
  auto store = build(test_support::tls_config(rsa_file, cert_dir));
  ASSERT_NE(store, nullptr);
  const ClientOptions rsa_only{.sni = "billing.acme.test",
                               .sigalgs = "RSA-PSS+SHA256:RSA+SHA256"};
  auto tenant = handshake(store->server_context(), rsa_only);
  EXPECT_FALSE(tenant.ok) << tenant.served();
  ClientOptions unknown = rsa_only;
  unknown.sni = "acme.portal.test";
  auto fallback = handshake(store->server_context(), unknown);
  ASSERT_TRUE(fallback.ok);
  EXPECT_EQ(fallback.served(), "rsa-default");
  EXPECT_EQ(handshake(store->server_context(), {.sni = "billing.acme.test"}).served(),
            "billing.acme.test");
}

TEST_F(SniSelection, HelloRetryKeepsTheSelection) {
  // P-521 is not on our list: the server asks again for P-256 and the callback runs twice.
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  auto result = handshake(store->server_context(),
                          {.sni = "billing.acme.test", .groups = "P-521:P-256"});
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.served(), "billing.acme.test");
  EXPECT_EQ(handshake_info(result.server.get())->sni, "billing.acme.test");
}

TEST_F(SniSelection, ServesManyThreadsAtOnce) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  const char* names[] = {"billing.acme.test", "acme.portal.test", "shop.globex.test", "x.example.test"};
  const char* served[] = {"billing.acme.test", "portal.test", "shop.globex.test", "*.example.test"};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto result = handshake(store->server_context(), {.sni = names[(t + i) % 4]});
        if (!result.ok || result.served() != served[(t + i) % 4]) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace portico::tls
