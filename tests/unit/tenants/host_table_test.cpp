// Tests for tenants/host_table: lookups, moves and the tenant records HostTable::build makes
// (DESIGN §1, §2). Build rules and collisions: host_table_build_test.cpp.
#include "proxy/tenants/host_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "tests/unit/tenants/host_table_fixture.hpp"

namespace portico::tenants {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): test helpers

Config acme_and_zylker() {
  auto acme = named(tenant("60001234", "Acme Corporation", 10), "acme", 12);
  acme = previous(acme, "acme-corp", 13);
  acme = domain(acme, "billing.acme.test", 14);
  auto zylker = tenant("60005678", "Zylker Traders Ltd.", 20);
  return config_with({acme, zylker});
}

static_assert(!std::is_copy_constructible_v<HostTable>);
static_assert(std::is_nothrow_move_constructible_v<HostTable>);

TEST(HostTable, ResolvesCurrentPreviousAndCustomHostsWithTheirMatch) {
  const HostTable table = build_ok(acme_and_zylker());
  const struct {
    const char* host;
    const char* org_id;
    HostMatch match;
  } cases[] = {
      {"acme.portal.localhost", "60001234", HostMatch::current_name},
      {"acme-corp.portal.localhost", "60001234", HostMatch::previous_name},
      {"billing.acme.test", "60001234", HostMatch::custom_domain},
      {"zylker-traders-ltd.portal.localhost", "60005678", HostMatch::current_name},
  };
  for (const auto& c : cases) {
    const HostEntry* entry = table.find(c.host);
    ASSERT_NE(entry, nullptr) << c.host;
    EXPECT_EQ(entry->tenant->org_id, c.org_id) << c.host;
    EXPECT_EQ(entry->match, c.match) << c.host;
  }
}

TEST(HostTable, UnknownHostsResolveToNothing) {
  const HostTable table = build_ok(acme_and_zylker());
  for (const char* host : {"nobody.portal.localhost", "acme.test", "acme.other.localhost", "acme",
                           "a.acme.portal.localhost", "acme.acme.portal.localhost",
                           "portal.localhost", "acmeportal.localhost", "localhost",
                           "billing.acme.test.portal.localhost", ".portal.localhost", ""}) {
    EXPECT_EQ(table.find(host), nullptr) << host;
  }
}

TEST(HostTable, ExposesTenantsInFileOrderAndByOrgId) {
  auto config = acme_and_zylker();
  std::swap(config.tenants[0], config.tenants[1]);
  const HostTable table = build_ok(config);
  ASSERT_EQ(table.tenants().size(), 2u);
  EXPECT_EQ(table.tenants()[0].org_id, "60005678");
  EXPECT_EQ(table.tenants()[1].org_id, "60001234");
  EXPECT_EQ(table.find_by_org_id("60001234"), &table.tenants()[1]);
  EXPECT_EQ(table.find_by_org_id("nope"), nullptr);
  EXPECT_EQ(table.base_domain(), "portal.localhost");
  EXPECT_EQ(table.tenants()[1].previous_portal_names, std::vector<std::string>{"acme-corp"});
  EXPECT_EQ(table.tenants()[1].custom_domains, std::vector<std::string>{"billing.acme.test"});
}

TEST(HostTable, StaysValidWhenMoved) {
  std::vector<Problem> problems;
  auto built = HostTable::build(acme_and_zylker(), problems);
  ASSERT_TRUE(built);
  HostTable moved = std::move(*built);
  built.reset();
  HostTable assigned = build_ok(config_with({}));
  assigned = std::move(moved);
  const HostEntry* entry = assigned.find("billing.acme.test");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->tenant, &assigned.tenants()[0]);
  EXPECT_EQ(entry->tenant->portal_name, "acme");
  EXPECT_EQ(assigned.find_by_org_id("60005678"), &assigned.tenants()[1]);
}

TEST(HostTable, NormalizesCustomDomainsAndBaseDomain) {
  auto config = config_with({domain(tenant("1", "Acme", 10), "Billing.ACME.test.", 12)});
  config.portal.base_domain = "Portal.Example.COM.";
  const HostTable table = build_ok(config);
  EXPECT_EQ(table.base_domain(), "portal.example.com");
  EXPECT_EQ(table.tenants()[0].custom_domains, std::vector<std::string>{"billing.acme.test"});
  ASSERT_NE(table.find("billing.acme.test"), nullptr);
  ASSERT_NE(table.find("acme.portal.example.com"), nullptr);
}

TEST(HostTable, CopiesPreferencesAndPrecomputesHeaders) {
  auto all = tenant("1", "All", 10);
  all.allow_edit_profile = all.allow_forward_documents = all.enable_reviews = true;
  all.show_sales_orders = all.show_projects = true;
  all.notify_org_on_activity = all.notify_customer_on_comment = true;
  all.banner = "Closed <today>";
  all = domain(all, "all.test", 12);
  all.canonical_host = config::CanonicalHost::custom;
  auto some = tenant("2", "Some", 20);
  some.show_projects = some.enable_reviews = true;
  some.notify_org_on_activity = true;
  const auto none = tenant("3", "None", 30);
  const HostTable table = build_ok(config_with({all, some, none}));

  const Tenant& t0 = table.tenants()[0];
  EXPECT_EQ(t0.features_header, "edit_profile,forward_documents,projects,reviews,sales_orders");
  EXPECT_EQ(t0.notify_header, "customer_comment,org_activity");
  EXPECT_TRUE(t0.canonical_custom);
  EXPECT_EQ(t0.banner, "Closed <today>");
  EXPECT_EQ(t0.name, "All");
  EXPECT_TRUE(t0.notify_org_on_activity && t0.notify_customer_on_comment);
  const Tenant& t1 = table.tenants()[1];
  EXPECT_EQ(t1.features_header, "projects,reviews");
  EXPECT_EQ(t1.notify_header, "org_activity");
  EXPECT_TRUE(t1.has(Feature::projects) && t1.has(Feature::reviews));
  EXPECT_FALSE(t1.has(Feature::sales_orders) || t1.has(Feature::edit_profile));
  EXPECT_FALSE(t1.canonical_custom);
  const Tenant& t2 = table.tenants()[2];
  EXPECT_EQ(t2.features, 0u);
  EXPECT_EQ(t2.features_header, "");
  EXPECT_EQ(t2.notify_header, "");
  auto comment_only = tenant("4", "Comment", 40);
  comment_only.notify_customer_on_comment = true;
  EXPECT_EQ(build_ok(config_with({comment_only})).tenants()[0].notify_header, "customer_comment");
}

TEST(HostTable, HostMatchNames) {
  EXPECT_EQ(to_string(HostMatch::custom_domain), "custom_domain");
  EXPECT_EQ(to_string(HostMatch::current_name), "current_name");
  EXPECT_EQ(to_string(HostMatch::previous_name), "previous_name");
}

}  // namespace
}  // namespace portico::tenants
