// Test fixture for tls/: a dev CA, a default certificate for portal.test (*.portal.test and
// portal.test) and a cert_dir with two custom domains and one wildcard, built into a store.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/tls/certificate_store.hpp"
#include "tests/unit/tls/handshake_pump.hpp"
#include "tests/unit/tls/test_pki.hpp"

namespace portico::tls::test_support {

inline std::string describe(const std::vector<config::Problem>& problems) {
  std::string out;
  for (const auto& problem : problems) out += config::format_problem(problem) + "\n";
  return out;
}

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    default_file = pki.leaf_file(dir.file("portal.test.pem"),
                                 {"portal.test", {"*.portal.test", "portal.test"}});
    cert_dir = dir.file("domains");
    pki.leaf_file(cert_dir + "/billing.acme.test.pem",
                  {"billing.acme.test", {"billing.acme.test", "www.billing.acme.test"}});
    pki.leaf_file(cert_dir + "/shop.globex.test.pem", {"shop.globex.test", {"shop.globex.test"}});
    pki.leaf_file(cert_dir + "/_wildcard.example.test.pem", {"*.example.test", {"*.example.test"}});
  }

  config::Config config() const { return tls_config(default_file, cert_dir); }

  std::shared_ptr<const CertificateStore> build(const config::Config& config,
                                                std::shared_ptr<TicketKeys> keys = {}) {
    problems.clear();
    auto store = CertificateStore::build(config, std::move(keys), problems);
    EXPECT_NE(store, nullptr) << describe(problems);
    return store;
  }

  TempDir dir;
  Pki pki;
  std::string default_file;
  std::string cert_dir;
  std::vector<config::Problem> problems;
};

}  // namespace portico::tls::test_support
