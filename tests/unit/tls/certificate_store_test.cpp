// Building a CertificateStore from a config: errors with positions, what it lists, sharing.
#include "tests/unit/tls/store_fixture.hpp"

namespace portico::tls {
namespace {

using test_support::describe;

class CertificateStoreBuild : public test_support::StoreFixture {
 protected:
  std::shared_ptr<const CertificateStore> build_failing(const config::Config& cfg) {
    problems.clear();
    auto store = CertificateStore::build(cfg, nullptr, problems);
    EXPECT_EQ(store, nullptr);
    return store;
  }
  bool reported(const config::SourcePos& pos, const std::string& text) const {
    for (const auto& problem : problems) {
      if (!problem.warning && problem.where.line == pos.line && problem.where.file == pos.file &&
          problem.message.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
};

TEST_F(CertificateStoreBuild, ListsEveryCertificateWithItsNamesAndExpiry) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  const auto infos = store->certificates();
  ASSERT_EQ(infos.size(), 4u);
  EXPECT_EQ(infos[0].name, "portal.test");
  EXPECT_TRUE(infos[0].is_default);
  EXPECT_EQ(infos[0].dns_names, (std::vector<std::string>{"*.portal.test", "portal.test"}));
  EXPECT_EQ(infos[1].name, "_wildcard.example.test");  // cert_dir files in name order
  EXPECT_EQ(infos[2].name, "billing.acme.test");
  EXPECT_FALSE(infos[2].is_default);
  EXPECT_EQ(infos[2].file, cert_dir + "/billing.acme.test.pem");
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_NEAR(static_cast<double>(infos[3].seconds_to_expiry(now)), 90.0 * 86400, 120);
}

TEST_F(CertificateStoreBuild, ReportsBrokenFilesAtTheirConfigKeys) {
  auto cfg = config();
  cfg.tls.certificate = dir.file("absent.pem");
  test_support::write_file(cert_dir + "/broken.test.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n");
  PkeyPtr stray = test_support::make_ec_key();
  PkeyPtr key = test_support::make_ec_key();
  X509Ptr leaf = test_support::make_cert({"mismatch.test", {"mismatch.test"}}, key.get(),
                                         pki.ca.get(), pki.ca_key.get());
  test_support::write_file(cert_dir + "/mismatch.test.pem",
                           test_support::pem_of(leaf.get()) + test_support::pem_of(stray.get()));
  build_failing(cfg);
  EXPECT_TRUE(reported(test_support::certificate_pos(), "absent.pem")) << describe(problems);
  EXPECT_TRUE(reported(test_support::cert_dir_pos(), "broken.test.pem")) << describe(problems);
  EXPECT_TRUE(reported(test_support::cert_dir_pos(), "mismatch.test.pem': the private key does not match"))
      << describe(problems);
  EXPECT_EQ(problems.size(), 3u) << describe(problems);
}

TEST_F(CertificateStoreBuild, ReportsAMissingCertDir) {
  auto cfg = config();
  cfg.tls.cert_dir = dir.file("no-such-dir");
  build_failing(cfg);
  EXPECT_TRUE(reported(test_support::cert_dir_pos(), "cannot read directory")) << describe(problems);
}

TEST_F(CertificateStoreBuild, RequiresADefaultCertificateOnlyWhenHttpsIsOn) {
  auto cfg = config();
  cfg.tls.certificate.clear();
  build_failing(cfg);
  EXPECT_TRUE(reported(test_support::certificate_pos(), "required when [server] https_listen"))
      << describe(problems);
  cfg.server.https_listen.clear();
  auto store = build(cfg);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->server_context(), nullptr);
  EXPECT_EQ(store->certificates().size(), 3u);
}

TEST_F(CertificateStoreBuild, IgnoresFilesThatAreNotPem) {
  test_support::write_file(cert_dir + "/README.txt", "not a certificate");
  test_support::write_file(cert_dir + "/billing.acme.test.key", "not a key");
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->certificates().size(), 4u);
}

TEST_F(CertificateStoreBuild, CountersAndTicketKeysAreSharedAcrossReloads) {
  auto keys = std::make_shared<TicketKeys>();
  auto counters = std::make_shared<TlsCounters>();
  auto first = CertificateStore::build(config(), keys, problems, counters);
  auto second = CertificateStore::build(config(), keys, problems, counters);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  first->counters().record_failure(HandshakeFailure::timeout);
  EXPECT_EQ(second->counters().failures_of(HandshakeFailure::timeout), 1u);
  EXPECT_EQ(second->ticket_keys(), keys);
}

TEST_F(CertificateStoreBuild, ConnectionsOutliveTheStore) {
  auto store = build(config());
  ASSERT_NE(store, nullptr);
  SslPtr server(SSL_new(store->server_context()));
  store.reset();  // a reload swapped it out while a connection was being accepted
  auto client = test_support::make_client({.sni = "billing.acme.test"});
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client.get(), client_bio, client_bio);
  SSL_set_bio(server.get(), server_bio, server_bio);
  SSL_set_accept_state(server.get());
  bool client_done = false, server_done = false;
  unsigned long error = 0;
  for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
    ASSERT_TRUE(test_support::step(client.get(), client_done, error));
    ASSERT_TRUE(test_support::step(server.get(), server_done, error));
  }
  EXPECT_TRUE(client_done && server_done);
  X509Ptr peer(SSL_get1_peer_certificate(client.get()));
  EXPECT_EQ(test_support::common_name(peer.get()), "billing.acme.test");
}

}  // namespace
}  // namespace portico::tls
