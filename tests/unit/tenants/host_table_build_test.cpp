// Tests for tenants/host_table_build: portal-name assignment and every problem HostTable::build
// reports, each at its position and naming the other side (DESIGN §1, §2).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "proxy/tenants/host_table.hpp"
#include "tests/unit/tenants/host_table_fixture.hpp"

namespace portico::tenants {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): test helpers

// --- collisions and invalid values: each reported where it is, naming the other side ---

TEST(HostTable, DuplicateOrgIdIsReportedAtTheSecondNamingTheFirst) {
  const auto problems = build_errors(
      config_with({tenant("42", "Acme", 10), tenant("7", "Other", 20), tenant("42", "Again", 30)}));
  ASSERT_EQ(problems.size(), 1u);
  expect_at(problems[0], pos(31, 10), "duplicate org_id \"42\" (first defined at tenants.toml:11)");
}

TEST(HostTable, ExplicitNameClaimedTwiceIsReportedAtTheSecond) {
  const auto problems = build_errors(config_with(
      {named(tenant("1", "A", 10), "acme", 12), named(tenant("2", "B", 20), "acme", 22)}));
  ASSERT_EQ(problems.size(), 1u);
  expect_at(problems[0], pos(22, 15),
            "portal_name \"acme\" is already the portal name of tenant \"1\" (tenants.toml:12)");
}

TEST(HostTable, PreviousNameCannotBeAnotherTenantsCurrentName) {
  // The explicit current name wins even when the previous name comes first in the file.
  const auto problems = build_errors(config_with(
      {previous(tenant("1", "A", 10), "acme", 12), named(tenant("2", "B", 20), "acme", 22)}));
  ASSERT_EQ(problems.size(), 1u);
  expect_at(problems[0], pos(12, 26),
            "previous portal name \"acme\" is already the portal name of tenant \"2\" "
            "(tenants.toml:22)");
}

TEST(HostTable, PreviousNameCannotBeAnotherTenantsPreviousName) {
  const auto problems = build_errors(config_with({previous(tenant("1", "A", 10), "old-acme", 12),
                                                  previous(tenant("2", "B", 20), "old-acme", 23)}));
  ASSERT_EQ(problems.size(), 1u);
  expect_at(problems[0], pos(23, 26),
            "is already a previous portal name of tenant \"1\" (tenants.toml:12)");
}

TEST(HostTable, PreviousNameCannotBeTheTenantsOwnCurrentName) {
  const auto problems =
      build_errors(config_with({previous(named(tenant("1", "A", 10), "acme", 12), "acme", 13)}));
  ASSERT_EQ(problems.size(), 1u);
  expect_at(problems[0], pos(13, 26), "is this tenant's current portal_name");
}

TEST(HostTable, PreviousNameListedTwiceIsOnlyAWarning) {
  auto config = config_with({previous(previous(tenant("1", "A", 10), "old", 12), "old", 13)});
  std::vector<Problem> problems;
  const auto table = HostTable::build(config, problems);
  ASSERT_TRUE(table);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(problems[0].warning);
  EXPECT_EQ(problems[0].where.line, 13u);
  EXPECT_EQ(table->tenants()[0].previous_portal_names, std::vector<std::string>{"old"});
}

TEST(HostTable, InvalidNamesAreReportedWithTheReason) {
  auto t = named(tenant("1", "A", 10), "Acme", 12);
  t = previous(t, "-old", 13);
  t = previous(t, "xn--old", 14);
  const auto problems = build_errors(config_with({t, named(tenant("2", "B", 20), "ab", 22)}));
  ASSERT_EQ(problems.size(), 4u);
  expect_at(problems[0], pos(12, 15), "portal_name \"Acme\" has a character outside [a-z0-9-]");
  expect_at(problems[1], pos(22, 15), "portal_name \"ab\" is shorter than 3 characters");
  expect_at(problems[2], pos(13, 26), "\"-old\" starts or ends with '-'");
  expect_at(problems[3], pos(14, 26), "\"xn--old\" starts with \"xn--\"");
}

TEST(HostTable, ReservedExplicitNameIsRejectedCaseInsensitively) {
  auto config = config_with({named(tenant("1", "A", 10), "billing", 12)});
  config.portal.reserved_names = {"WWW", "Billing"};
  const auto problems = build_errors(config);
  ASSERT_EQ(problems.size(), 1u);
  expect_at(problems[0], pos(12, 15), "portal_name \"billing\" is reserved");
}

TEST(HostTable, ReservedPreviousNameKeepsRedirecting) {
  const HostTable table =
      build_ok(config_with({previous(named(tenant("1", "A", 10), "acme", 12), "support", 13)}));
  const HostEntry* entry = table.find("support.portal.localhost");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->match, HostMatch::previous_name);
}

TEST(HostTable, CustomDomainClaimedTwiceIsReportedAtTheSecond) {
  auto first = domain(tenant("1", "A", 10), "billing.acme.test", 12);
  auto second = domain(tenant("2", "B", 20), "BILLING.acme.test.", 22);
  second = domain(second, "pay.b.test", 23);
  second = domain(second, "pay.b.test", 24);
  const auto problems = build_errors(config_with({first, second}));
  ASSERT_EQ(problems.size(), 2u);
  expect_at(problems[0], pos(22, 19),
            "is already a custom domain of tenant \"1\" (tenants.toml:12)");
  expect_at(problems[1], pos(24, 19),
            "is already a custom domain of tenant \"2\" (tenants.toml:23)");
}

TEST(HostTable, CustomDomainUnderTheBaseDomainIsRejected) {
  auto t = domain(tenant("1", "A", 10), "portal.localhost", 12);
  t = domain(t, "other.portal.localhost", 13);
  t = domain(t, "notportal.localhost", 14);  // a different name, merely a similar suffix
  const auto problems = build_errors(config_with({t}));
  ASSERT_EQ(problems.size(), 2u);
  expect_at(problems[0], pos(12, 19), "a portal subdomain cannot be a custom domain");
  expect_at(problems[1], pos(13, 19), "a portal subdomain cannot be a custom domain");
}

TEST(HostTable, InvalidCustomDomainsAreRejected) {
  auto t = domain(tenant("1", "A", 10), "bad_name.test", 12);
  t = domain(t, "billing.acme.test:443", 13);
  t = domain(t, "m\xc3\xbcller.test", 14);
  const auto problems = build_errors(config_with({t}));
  ASSERT_EQ(problems.size(), 3u);
  expect_at(problems[0], pos(12, 19), "host has a character outside [a-z0-9-.]");
  expect_at(problems[1], pos(13, 19), "must not contain a port");
  expect_at(problems[2], pos(14, 19), "host is not ASCII");
}

TEST(HostTable, BaseDomainMustBeAValidNameOfTwoLabels) {
  for (const char* base : {"localhost", "bad_domain.test", "portal.localhost:8443", "", "a..b"}) {
    auto config = config_with({tenant("1", "A", 10)});
    config.portal.base_domain = base;
    const auto problems = build_errors(config);
    ASSERT_EQ(problems.size(), 1u) << base;
    expect_at(problems[0], pos(3, 18), "base_domain");
  }
}

TEST(HostTable, CanonicalCustomNeedsACustomDomain) {
  auto t = tenant("1", "A", 10);
  t.canonical_host = config::CanonicalHost::custom;
  t.canonical_host_pos = pos(12, 18);
  const auto problems = build_errors(config_with({t}));
  ASSERT_EQ(problems.size(), 1u);
  expect_at(problems[0], pos(12, 18), "needs at least one custom domain");
}

TEST(HostTable, ReportsEveryProblemAtOnce) {
  const auto problems = build_errors(config_with({
      named(tenant("1", "A", 10), "www", 12),
      domain(tenant("1", "B", 20), "x.portal.localhost", 22),
      named(tenant("3", "C", 30), "c-", 32),
  }));
  EXPECT_EQ(problems.size(), 4u);
}

// --- generated names ---

TEST(HostTable, GeneratedNamesDoNotDependOnTenantOrder) {
  std::vector<TenantConfig> tenants = {
      tenant("300", "ACME!", 10),    tenant("100", "Acme", 20),
      tenant("200", "acme", 30),     named(tenant("400", "Zylker", 40), "zylker-x", 42),
      tenant("500", "Zylker X", 50), tenant("600", "Caf\xc3\xa9 M\xc3\xbcller", 60),
  };
  const auto forward = portal_names(build_ok(config_with(tenants)));
  std::reverse(tenants.begin(), tenants.end());
  const auto backward = portal_names(build_ok(config_with(tenants)));
  std::rotate(tenants.begin(), tenants.begin() + 2, tenants.end());
  const auto rotated = portal_names(build_ok(config_with(tenants)));
  const std::map<std::string, std::string> expected = {
      {"100", "acme"},     {"200", "acme-200"},     {"300", "acme-300"},
      {"400", "zylker-x"}, {"500", "zylker-x-500"}, {"600", "cafe-muller"},
  };
  EXPECT_EQ(forward, expected);
  EXPECT_EQ(backward, expected);
  EXPECT_EQ(rotated, expected);
}

TEST(HostTable, ExplicitAndPreviousNamesBeatGeneratedOnes) {
  // The generating tenants come first in the file and have the smaller org_ids: still lose.
  const HostTable table = build_ok(config_with({
      tenant("1", "Acme", 10),
      tenant("2", "Old Acme", 20),
      named(tenant("8", "Acme Two", 30), "acme", 32),
      previous(named(tenant("9", "Acme Three", 40), "acme-three", 42), "old-acme", 43),
  }));
  EXPECT_EQ(table.tenants()[0].portal_name, "acme-1");
  EXPECT_EQ(table.tenants()[1].portal_name, "old-acme-2");
  EXPECT_EQ(table.find("acme.portal.localhost")->tenant->org_id, "8");
  EXPECT_EQ(table.find("acme-1.portal.localhost")->tenant->org_id, "1");
  EXPECT_EQ(table.find("old-acme.portal.localhost")->match, HostMatch::previous_name);
}

TEST(HostTable, UnusableCandidatesFallBackToOrgId) {
  const std::string long_name(70, 'a');
  const HostTable table = build_ok(config_with({
      tenant("11", "Support", 10),   // reserved
      tenant("12", "AB", 20),        // too short
      tenant("130", "!!!", 30),      // nothing left: the org_id alone
      tenant("7", "", 40),           // too short even alone: "org-" prefixed
      tenant("14", long_name, 50),   // takes the 63-char candidate
      tenant("15", long_name, 60),   // collides: cut so "-15" fits in 63
      tenant("16", "xn--acme", 70),  // dashes collapse: "xn-acme" is valid
      tenant("X17", "Portal", 80),   // org_id lowercased
  }));
  const auto names = portal_names(table);
  EXPECT_EQ(names.at("11"), "support-11");
  EXPECT_EQ(names.at("12"), "ab-12");
  EXPECT_EQ(names.at("130"), "130");
  EXPECT_EQ(names.at("7"), "org-7");
  EXPECT_EQ(names.at("14"), std::string(63, 'a'));
  EXPECT_EQ(names.at("15"), std::string(60, 'a') + "-15");
  EXPECT_EQ(names.at("16"), "xn-acme");
  EXPECT_EQ(names.at("X17"), "portal-x17");
}

TEST(HostTable, GenerationThatCannotSucceedIsReportedAtTheTenant) {
  const auto problems = build_errors(config_with({
      tenant("a_b", "!!!", 10),  // fallback "a_b" is invalid
      named(tenant("2", "B", 20), "acme", 22),
      previous(named(tenant("3", "C", 40), "ccc", 42), "acme-98", 43),
      tenant("98", "Acme", 50),  // "acme" is taken by 2, "acme-98" by 3
  }));
  ASSERT_EQ(problems.size(), 2u);
  expect_at(problems[0], pos(50), "cannot generate a portal name for tenant \"98\"");
  expect_at(problems[1], pos(10), "neither \"\" nor \"a_b\" is valid, unreserved and free");
}

}  // namespace
}  // namespace portico::tenants
