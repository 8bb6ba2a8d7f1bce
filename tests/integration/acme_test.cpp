// Integration: ACME certificates for custom domains against a real Pebble doing real HTTP-01
// validation on Portico's plaintext listener: ahead of time after a reload, on demand during
// a handshake, never for unmapped names, backoff while Pebble is down, renewal, and two
// instances sharing one storage directory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <thread>

#include "tests/integration/harness.hpp"
#include "tests/integration/pebble.hpp"

namespace portico::testing {
namespace {

namespace json = boost::json;

// A self-signed default certificate for the portal subdomains (never for custom domains).
std::string default_certificate(const TempDir& dir) {
  const std::string d = dir.path().string();
  ChildProcess openssl({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", d + "/default.key", "-out", d + "/default.crt", "-days", "2", "-subj",
                        "/CN=portal.localhost", "-addext", "subjectAltName=DNS:portal.localhost,DNS:*.portal.localhost"});
  if (openssl.wait_exit(30s) != 0) throw std::runtime_error(openssl.output());
  std::ifstream cert(d + "/default.crt");
  std::ifstream key(d + "/default.key");
  return std::string(std::istreambuf_iterator<char>(cert), {}) + std::string(std::istreambuf_iterator<char>(key), {});
}

std::string tenant(const std::string& org_id, const std::string& portal, const std::string& custom_domain = "") {
  std::string text = "\n[[tenant]]\norg_id = \"" + org_id + "\"\nname = \"Org " + org_id + "\"\nportal_name = \"" +
                     portal + "\"\n";
  if (!custom_domain.empty()) text += "custom_domains = [\"" + custom_domain + "\"]\n";
  return text;
}

struct AcmeOptions {
  std::string storage_dir;
  std::string tenants;
  std::string extra_acme;  // more [acme] lines
  std::uint16_t http_port = 0;
  std::string handshake_wait = "30s";
};

PorticoSetup acme_setup(Pebble& pebble, const DemoPortal& app, const TempDir& certs, const AcmeOptions& options) {
  PorticoSetup setup;
  setup.http_listen = "127.0.0.1:" + std::to_string(options.http_port);
  setup.extra_server = "https_listen = [\"127.0.0.1:0\"]\nredirect_http = true\n";
  setup.upstreams = {app.address()};
  setup.files["default.pem"] = default_certificate(certs);
  setup.config_body = "[tls]\ncertificate = \"default.pem\"\n\n[acme]\ndirectory = \"" + pebble.directory_url() +
                      "\"\nemail = \"ops@example.test\"\nstorage_dir = \"" + options.storage_dir +
                      "\"\nca_bundle = \"" + pebble.ca_bundle() +
                      "\"\nhandshake_wait = \"" + options.handshake_wait + "\"\nretry_min = \"1s\"\nretry_max = \"4s\"\n" + options.extra_acme +
                      options.tenants;
  return setup;
}

json::object domain_status(Portico& portico, const std::string& domain) {
  Response response = http_request(portico.admin_port(), "GET", "/domains", "127.0.0.1");
  const json::value parsed = json::parse(response.body());
  for (const auto& entry : parsed.at("domains").as_array()) {
    if (entry.at("domain").as_string() == domain) return entry.as_object();
  }
  return {};
}

std::string state_of(Portico& portico, const std::string& domain) {
  json::object status = domain_status(portico, domain);
  return status.contains("state") ? std::string(status.at("state").as_string()) : "absent";
}

double orders_started(Portico& portico) {
  return metric_sample(portico.metrics(), "portico_acme_orders_started_total");
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class Acme : public ::testing::Test {
 protected:
  DemoPortal app;
  TempDir certs;
  TempDir storage;
  std::uint16_t http_port = unused_port();
};

TEST_F(Acme, DomainMappedByAReloadGetsAPebbleCertificateServedOnTheNextHandshake) {
  Pebble pebble(http_port);
  Portico portico(acme_setup(pebble, app, certs,
                             {storage.path().string(), tenant("7001", "acme"), "", http_port}));
  EXPECT_EQ(orders_started(portico), 0);
  std::ofstream(portico.config_path(), std::ios::app) << tenant("7002", "shop", "shop.example.test");
  ASSERT_EQ(portico.reload().result_int(), 200u);
  ASSERT_TRUE(eventually([&] { return state_of(portico, "shop.example.test") == "valid"; }))
      << portico.process().output();
  ServedCertificate served = served_certificate(portico.https_port(), "shop.example.test");
  ASSERT_NE(served.leaf, nullptr);
  EXPECT_EQ(served.first_dns_name(), "shop.example.test");
  EXPECT_TRUE(signed_by(served.leaf, pebble.intermediate_pem())) << served.issuer();
  EXPECT_EQ(orders_started(portico), 1);
  EXPECT_EQ(metric_sample(portico.metrics(), "portico_acme_orders_completed_total{result=\"succeeded\"}"), 1);
  // The portal subdomain keeps the operator's default certificate.
  EXPECT_EQ(served_certificate(portico.https_port(), "acme.portal.localhost").first_dns_name(), "portal.localhost");
  // Stored privately; the status is in /resolve too.
  struct stat info {};
  ASSERT_EQ(::stat((storage.path() / "certs/shop.example.test.pem").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((storage.path() / "account.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  Response resolved = http_request(portico.admin_port(), "GET", "/resolve?host=shop.example.test", "127.0.0.1");
  json::object report = json::parse(resolved.body()).as_object();
  EXPECT_EQ(report.at("certificate_state").at("state").as_string(), "valid");
  EXPECT_GT(report.at("certificate_state").at("not_after").as_int64(), unix_now());
  EXPECT_EQ(report.at("certificate_state").at("org_id").as_string(), "7002");
}

TEST_F(Acme, FirstHandshakeForAMappedDomainWaitsAndGetsThePebbleCertificate) {
  Pebble pebble(http_port);
  Portico portico(acme_setup(pebble, app, certs,
                             {storage.path().string(), tenant("7001", "acme"), "", http_port}));
  std::ofstream(portico.config_path(), std::ios::app) << tenant("7003", "cafe", "cafe.example.test");
  ASSERT_EQ(portico.reload().result_int(), 200u);
  // Right after the reload the order has only started: this handshake finds no certificate.
  ServedCertificate served = served_certificate(portico.https_port(), "cafe.example.test");
  ASSERT_NE(served.leaf, nullptr);
  EXPECT_EQ(served.first_dns_name(), "cafe.example.test");
  EXPECT_TRUE(signed_by(served.leaf, pebble.intermediate_pem())) << served.issuer();
  EXPECT_EQ(metric_sample(portico.metrics(), "portico_acme_handshakes_held_total"), 1)
      << "the handshake must have waited for the certificate";
  EXPECT_EQ(orders_started(portico), 1) << "the waiting handshake joined the reload's order";
}

TEST_F(Acme, UnmappedNamesNeverCauseAnOrder) {
  Pebble pebble(http_port);
  Portico portico(acme_setup(pebble, app, certs,
                             {storage.path().string(), tenant("7001", "acme"), "", http_port}));
  for (int i = 0; i < 20; ++i) {
    ServedCertificate served = served_certificate(portico.https_port(), "random-" + std::to_string(i) + ".example.test");
    ASSERT_NE(served.leaf, nullptr);
    EXPECT_EQ(served.first_dns_name(), "portal.localhost") << "the default certificate, at once";
  }
  // A name under base_domain is no custom domain either.
  EXPECT_NE(served_certificate(portico.https_port(), "acme.portal.localhost").leaf, nullptr);
  EXPECT_EQ(orders_started(portico), 0);
  EXPECT_EQ(metric_sample(portico.metrics(), "portico_acme_handshakes_held_total"), 0);
  EXPECT_EQ(pebble.orders_received(), 0);
  Response domains = http_request(portico.admin_port(), "GET", "/domains", "127.0.0.1");
  EXPECT_TRUE(json::parse(domains.body()).at("domains").as_array().empty()) << domains.body();
}

TEST_F(Acme, WithPebbleDownRetriesBackOffAndHandshakesFallBackWhileValidCertificatesServe) {
  Pebble pebble(http_port);
  Portico portico(acme_setup(pebble, app, certs,
                             {storage.path().string(), tenant("7001", "acme", "old.example.test"), "",
                              http_port, "2s"}));
  ASSERT_TRUE(eventually([&] { return state_of(portico, "old.example.test") == "valid"; }))
      << portico.process().output();
  const std::string valid_serial = served_certificate(portico.https_port(), "old.example.test").serial();
  pebble.stop();
  std::ofstream(portico.config_path(), std::ios::app) << tenant("7004", "newco", "new.example.test");
  ASSERT_EQ(portico.reload().result_int(), 200u);
  ASSERT_TRUE(eventually([&] {
    json::object status = domain_status(portico, "new.example.test");
    return status.contains("failures") && status.at("failures").as_int64() >= 3;
  }));
  json::object status = domain_status(portico, "new.example.test");
  EXPECT_EQ(status.at("state").as_string(), "failed");
  EXPECT_FALSE(status.at("last_error").as_string().empty());
  // retry_min 1s doubling to retry_max 4s: the next retry is in the future, at most 4s away.
  const std::int64_t next = status.at("next_attempt").as_int64();
  EXPECT_GE(next, unix_now() - 1);
  EXPECT_LE(next, unix_now() + 5);
  // Three failures took at least 1s + 2s of backoff: no retry storm.
  const double failed = metric_sample(portico.metrics(), "portico_acme_orders_completed_total{result=\"failed\"}");
  EXPECT_GE(failed, 3);
  // The handshake falls back to the default certificate (within handshake_wait).
  ServedCertificate fallback = served_certificate(portico.https_port(), "new.example.test");
  ASSERT_NE(fallback.leaf, nullptr);
  EXPECT_EQ(fallback.first_dns_name(), "portal.localhost");
  // The certificate still valid keeps serving.
  EXPECT_EQ(served_certificate(portico.https_port(), "old.example.test").serial(), valid_serial);
  EXPECT_EQ(state_of(portico, "old.example.test"), "valid");
}

TEST_F(Acme, RenewalWindowWiderThanTheLifetimeRenewsWithoutAStorm) {
  Pebble pebble(http_port);
  Portico portico(acme_setup(pebble, app, certs,
                             {storage.path().string(), tenant("7001", "acme", "renew.example.test"),
                              "renew_before = \"100000h\"\nrenew_min_interval = \"2s\"\n", http_port}));
  ASSERT_TRUE(eventually([&] { return state_of(portico, "renew.example.test") == "valid"; }))
      << portico.process().output();
  const auto first_valid = std::chrono::steady_clock::now();
  const std::string first_serial = served_certificate(portico.https_port(), "renew.example.test").serial();
  ASSERT_FALSE(first_serial.empty());
  std::string renewed;
  ASSERT_TRUE(eventually([&] {
    renewed = served_certificate(portico.https_port(), "renew.example.test").serial();
    return !renewed.empty() && renewed != first_serial;
  }));
  // renew_min_interval bounds the orders: one to start with, then at most one per 2s.
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - first_valid).count();
  EXPECT_GE(orders_started(portico), 2);
  EXPECT_LE(orders_started(portico), 2 + seconds / 2);
}

TEST_F(Acme, TwoInstancesSharingTheStorageOrderOneCertificate) {
  Pebble pebble(http_port);  // validates on the first instance's port; tokens are shared via storage
  AcmeOptions first{storage.path().string(), tenant("7001", "acme", "shared.example.test"), "", http_port};
  AcmeOptions second = first;
  second.http_port = 0;
  TempDir other_certs;
  Portico a(acme_setup(pebble, app, certs, first));
  Portico b(acme_setup(pebble, app, other_certs, second));
  ASSERT_TRUE(eventually([&] { return state_of(a, "shared.example.test") == "valid"; })) << a.process().output();
  ASSERT_TRUE(eventually([&] { return state_of(b, "shared.example.test") == "valid"; })) << b.process().output();
  EXPECT_EQ(orders_started(a) + orders_started(b), 1);
  EXPECT_EQ(pebble.orders_received(), 1);
  const std::string serial = served_certificate(a.https_port(), "shared.example.test").serial();
  EXPECT_FALSE(serial.empty());
  EXPECT_EQ(served_certificate(b.https_port(), "shared.example.test").serial(), serial);
}

}  // namespace
}  // namespace portico::testing
