// --check warnings about certificates: coverage of custom domains and expiry.
#include "tests/unit/tls/store_fixture.hpp"

namespace portico::tls {
namespace {

using test_support::describe;

class CertificateChecks : public test_support::StoreFixture {
 protected:
  std::vector<config::Problem> check(const config::Config& cfg, std::int64_t now = 0) {
    auto store = build(cfg);
    std::vector<config::Problem> warnings;
    if (store != nullptr) check_coverage(*store, cfg, warnings, now);
    for (const auto& warning : warnings) EXPECT_TRUE(warning.warning) << warning.message;
    return warnings;
  }
  static config::TenantConfig tenant_with(std::vector<std::string> domains) {
    config::TenantConfig tenant;
    tenant.org_id = "1";
    for (std::size_t i = 0; i < domains.size(); ++i) {
      tenant.custom_domain_pos.push_back({"tenants.toml", static_cast<std::uint32_t>(10 + i), 19});
    }
    tenant.custom_domains = std::move(domains);
    return tenant;
  }
  static std::size_t count(const std::vector<config::Problem>& warnings, const std::string& text) {
    std::size_t n = 0;
    for (const auto& warning : warnings) n += warning.message.find(text) != std::string::npos;
    return n;
  }
};

TEST_F(CertificateChecks, WarnsForCustomDomainsNoCertificateCovers) {
  auto cfg = config();
  cfg.tenants.push_back(tenant_with(
      {"billing.acme.test", "www.billing.acme.test", "x.example.test", "Orphan.Test", "deep.a.example.test"}));
  const auto warnings = check(cfg);
  ASSERT_EQ(count(warnings, "is covered by no certificate"), 2u) << describe(warnings);
  EXPECT_EQ(count(warnings, "'orphan.test' is covered by no certificate"), 1u);
  EXPECT_EQ(count(warnings, "'deep.a.example.test'"), 1u);
  for (const auto& warning : warnings) {
    if (warning.message.find("orphan.test") != std::string::npos) {
      EXPECT_EQ(warning.where.file, "tenants.toml");
      EXPECT_EQ(warning.where.line, 13u);
    }
  }
}

TEST_F(CertificateChecks, WarnsWhenNoWildcardCoversTheBaseDomain) {
  auto cfg = config();
  EXPECT_EQ(count(check(cfg), "'*.portal.test'"), 0u);
  cfg.portal.base_domain = "portal.elsewhere.test";
  EXPECT_EQ(count(check(cfg), "no certificate covers '*.portal.elsewhere.test'"), 1u);
}

TEST_F(CertificateChecks, WarnsForCertificatesExpiringWithin14DaysOrExpired) {
  pki.leaf_file(cert_dir + "/soon.test.pem", {"soon.test", {"soon.test"}, -80, 10});
  pki.leaf_file(cert_dir + "/gone.test.pem", {"gone.test", {"gone.test"}, -90, -1});
  pki.leaf_file(cert_dir + "/later.test.pem", {"later.test", {"later.test"}, -1, 15});
  pki.leaf_file(cert_dir + "/future.test.pem", {"future.test", {"future.test"}, 2, 90});
  const auto warnings = check(config());  // expired certificates do not fail the build
  EXPECT_EQ(count(warnings, "soon.test.pem' expires in "), 1u) << describe(warnings);
  EXPECT_EQ(count(warnings, "gone.test.pem' expired on"), 1u) << describe(warnings);
  EXPECT_EQ(count(warnings, "later.test.pem'"), 0u) << describe(warnings);
  EXPECT_EQ(count(warnings, "future.test.pem' is not valid before"), 1u) << describe(warnings);
  for (const auto& warning : warnings) EXPECT_EQ(warning.where.line, test_support::cert_dir_pos().line);
  const auto later = static_cast<std::int64_t>(std::time(nullptr)) + 89 * 86400;
  EXPECT_GE(count(check(config(), later), "expires in"), 4u);
}

TEST_F(CertificateChecks, WarnsForFilesNamedForADomainTheyDoNotCover) {
  pki.leaf_file(cert_dir + "/wrong.test.pem", {"right.test", {"right.test"}});
  const auto warnings = check(config());
  EXPECT_EQ(count(warnings, "named for 'wrong.test' but the certificate does not cover"), 1u)
      << describe(warnings);
  EXPECT_EQ(count(warnings, "_wildcard"), 0u) << describe(warnings);
}

}  // namespace
}  // namespace portico::tls
