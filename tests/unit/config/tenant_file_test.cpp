// Tests for config/tenant_file: the fast path must produce exactly what toml++ and the decoder
// produce (every field, every position), and decline everything else, so that problems keep
// coming from toml++ with their file:line:col. The fuzz target tenant_file compares the same.
#include "proxy/config/tenant_file.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/config/load.hpp"

namespace portico::config {
namespace {

const std::string tenants_file = "/etc/portico/tenants.toml";

std::string at(const SourcePos& pos) {
  return pos.file.str() + ':' + std::to_string(pos.line) + ':' + std::to_string(pos.column);
}

// Every field of a tenant, positions included, one per line (a mismatch shows as a diff).
std::string describe(const TenantConfig& tenant) {
  std::string out = "tenant at " + at(tenant.where) + "\n";
  out += "org_id=[" + tenant.org_id + "] at " + at(tenant.org_id_pos) + "\n";
  out += "name=[" + tenant.name + "]\n";
  out += "portal_name=" + (tenant.portal_name ? '[' + *tenant.portal_name + ']' : "none") +
         " at " + at(tenant.portal_name_pos) + "\n";
  for (std::size_t i = 0; i < tenant.previous_portal_names.size(); ++i) {
    out += "previous=[" + tenant.previous_portal_names[i] + "]\n";
  }
  for (const auto& pos : tenant.previous_portal_name_pos) out += "previous at " + at(pos) + "\n";
  for (std::size_t i = 0; i < tenant.custom_domains.size(); ++i) {
    out += "domain=[" + tenant.custom_domains[i] + "]\n";
  }
  for (const auto& pos : tenant.custom_domain_pos) out += "domain at " + at(pos) + "\n";
  out += std::string("canonical=") +
         (tenant.canonical_host == CanonicalHost::custom ? "custom" : "subdomain") + " at " +
         at(tenant.canonical_host_pos) + "\n";
  out += "banner=[" + tenant.banner + "]\n";
  const bool flags[] = {tenant.notify_org_on_activity,  tenant.notify_customer_on_comment,
                        tenant.allow_edit_profile,      tenant.allow_forward_documents,
                        tenant.enable_reviews,          tenant.show_sales_orders,
                        tenant.show_projects};
  out += "flags=";
  for (const bool flag : flags) out += flag ? '1' : '0';
  return out + "\n";
}

std::string describe(const std::vector<TenantConfig>& tenants) {
  std::string out;
  for (const auto& tenant : tenants) out += describe(tenant);
  return out;
}

std::string all_problems(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& problem : problems) out += format_problem(problem) + '\n';
  return out;
}

// The reference: toml++ and the decoder, on the same text. A file of [[tenant]] tables
// decodes the same as the main file as it does as an include.
LoadResult reference(const std::string& text) { return load_config_string(text, tenants_file); }

// Runs both; when the fast path accepts, the reference must agree on every tenant and report
// nothing. Returns whether the fast path accepted.
bool accepted_and_same(const std::string& text) {
  std::vector<TenantConfig> fast;
  const bool accepted = scan_tenant_file(text, tenants_file, fast);
  if (!accepted) {
    EXPECT_TRUE(fast.empty());
    return false;
  }
  const LoadResult slow = reference(text);
  EXPECT_TRUE(slow.problems.empty()) << all_problems(slow.problems);
  EXPECT_EQ(describe(fast), describe(slow.config.tenants));
  return true;
}

TEST(TenantFile, TheUsualShapeTakesTheFastPath) {
  const std::string text =
      "# generated\n"
      "\n"
      "[[tenant]]\n"
      "org_id = \"7000000001\"\n"
      "name = \"Customer 0000001\"\n"
      "portal_name = \"org-0000001\"\n"
      "custom_domains = [\"billing.customer0000001.test\"]\n"
      "banner = \"Scheduled maintenance: Saturday 02:00-04:00 UTC.\"\n"
      "\n"
      "[[tenant]]\n"
      "org_id = \"60001234\"\n"
      "name = \"Acme Corporation\"\n"
      "portal_name = \"acme\"\n"
      "previous_portal_names = [\"acme-corp\", \"acme-old\"]\n"
      "custom_domains = [\"billing.acme.test\", \"portal.acme.test\"]\n"
      "canonical_host = \"custom\"\n"
      "banner = \"Our office is closed on 24-26 December.\"\n"
      "notify_org_on_activity = true\n"
      "notify_customer_on_comment = true\n"
      "allow_edit_profile = true\n"
      "allow_forward_documents = false\n"
      "enable_reviews = true\n"
      "show_sales_orders = true\n"
      "show_projects = false\n";
  EXPECT_TRUE(accepted_and_same(text));
}

// Inputs inside the subset, each with something a careless scanner would get wrong.
TEST(TenantFile, TrickyInputsInsideTheSubsetDecodeExactlyLikeToml) {
  const std::string prefix = "[[tenant]]\norg_id = 'a-1'\n";
  const std::string cases[] = {
      prefix + "name = \"tab\\there \\\"quoted\\\" back\\\\slash \\b\\f\\n\\r\"\n",
      prefix + "name = \"\\u00e9t\\u00C9 \\U0001F600 \\u0000 nul\"\n",
      prefix + "name = 'C:\\path\\no\\escapes \"here\"'\n",
      prefix + "name = \"Zürich Straße 日本\"\ncustom_domains = [\"é\", \"x.test\", 'ü.test']\n",
      prefix + "name = 'x'   # a comment with ü and \"quotes\"\n# a whole-line comment\n",
      prefix + "name\t=\t'tabs'\t\n",
      prefix + "name = 'x'  \n\n   \n\t\nportal_name = ''\n",
      prefix + "name = \"x\"\ncustom_domains = [\n  \"a.test\", # first\n  # between\n  'b.test',\n]\n",
      prefix + "name = \"x\"\ncustom_domains = []\nprevious_portal_names = [ ]\n",
      prefix + "name = \"x\"\ncustom_domains = [ 'a.test' , 'b.test' ]\n",
      "[[tenant]]\r\norg_id = 'a'\r\nname = 'crlf'\r\ncustom_domains = [\r\n'a.test'\r\n]\r\n",
      "\xEF\xBB\xBF[[tenant]]\norg_id = 'bom'\nname = 'B'\n",
      "  [[ tenant ]]  # indented header\n  org_id = 'a'\n  name = 'N'\n",
      "[[tenant]]\norg_id = 'a'\nname = 'no newline at the end'",
      "[[tenant]]\norg_id = 'a'\nname = 'N'\ncanonical_host = 'custom'\ncustom_domains = ['a.t']\n",
      "[[tenant]]\norg_id = 'a'\nname = 'N'\ncanonical_host = \"subdomain\"\nportal_name = ''\n",
      "[[tenant]]\nname = 'order does not matter'\nshow_projects = true\norg_id = 'Z.9_-'\n",
      "",
      "# only a comment\n\n",
      "\n\n\n[[tenant]]\norg_id = 'a'\nname = 'N'\n[[tenant]]\norg_id = 'b'\nname = 'M'\n",
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(accepted_and_same(text));
  }
}

// Outside the subset, or a problem to report: the fast path declines, and the loader's answer
// (its problems with their positions) is toml++'s.
TEST(TenantFile, AnythingElseIsLeftToToml) {
  const std::string prefix = "[[tenant]]\norg_id = 'a'\n";
  const std::string cases[] = {
      prefix + "name = 'x'\nname = 'y'\n",                        // duplicate key
      prefix + "name = 'x'\ncolour = 'red'\n",                    // unknown key
      prefix + "name = \"\"\"multi\nline\"\"\"\n",                // multi-line basic string
      prefix + "name = '''multi'''\n",                            // multi-line literal string
      prefix + "name.first = 'x'\n",                              // dotted key
      prefix + "\"name\" = 'x'\n",                                // quoted key
      prefix + "name = 'x'\nshow_projects = 1\n",                 // integer
      prefix + "name = 'x'\nshow_projects = 'yes'\n",             // wrong type
      prefix + "name = true\n",                                   // wrong type
      prefix + "name = 'x'\ncustom_domains = 'a.test'\n",         // not an array
      prefix + "name = 'x'\ncustom_domains = ['a', 1]\n",         // mixed array
      prefix + "name = 'x'\ncustom_domains = [,]\n",              // bad array
      prefix + "name = { first = 'x' }\n",                        // inline table
      prefix + "name = 'x'\rshow_projects = true\n",              // a lone CR
      prefix + "name = 'a\x01z'\n",                               // control character
      prefix + "name = 'x' # \x7f\n",                             // DEL in a comment
      prefix + "name = 'bad \xC3\x28 utf8'\n",                    // invalid UTF-8
      prefix + "name = 'overlong \xC0\xAF'\n",                    // overlong UTF-8
      prefix + "name = \"\\ud800\"\n",                            // surrogate escape
      prefix + "name = \"\\U00110000\"\n",                        // beyond U+10FFFF
      prefix + "name = \"\\e\"\n",                                // not a TOML 1.0 escape
      prefix + "name = \"\\x41\"\n",                              // not a TOML 1.0 escape
      prefix + "name = \"unterminated\n",                         // unterminated string
      prefix + "name = 'x' trailing\n",                           // junk after a value
      prefix + "name = truex\n",                                  // junk after a boolean
      "[[tenant]]\nname = 'no org_id'\n",                         // missing org_id
      "[[tenant]]\norg_id = 'a b'\nname = 'x'\n",                 // invalid org_id
      "[[tenant]]\norg_id = 'a'\n",                               // missing name
      prefix + "name = ''\n",                                     // empty name
      prefix + "name = 'x'\ncanonical_host = 'custom'\n",         // custom without domains
      prefix + "name = 'x'\ncanonical_host = 'other'\n",          // not one of
      "org_id = 'a'\n[[tenant]]\nname = 'x'\n",                   // key before any table
      "[tenant]\norg_id = 'a'\nname = 'x'\n",                     // a table, not an array
      "[[tenant.x]]\norg_id = 'a'\nname = 'x'\n",                 // another table
      "[[tenant]] junk\norg_id = 'a'\nname = 'x'\n",              // junk after a header
      "[[tenant]]\n[server]\nworkers = 1\n",                      // another section
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text);
    std::vector<TenantConfig> fast;
    EXPECT_FALSE(scan_tenant_file(text, tenants_file, fast));
    EXPECT_TRUE(fast.empty());
  }
}

TEST(TenantFile, DecliningLeavesTheTenantsAlreadyLoaded) {
  std::vector<TenantConfig> tenants(2);
  tenants[0].org_id = "first";
  const std::string text = "[[tenant]]\norg_id = 'a'\nname = 'A'\n[[tenant]]\norg_id = 'b'\n";
  EXPECT_FALSE(scan_tenant_file(text, tenants_file, tenants));
  ASSERT_EQ(tenants.size(), 2u);
  EXPECT_EQ(tenants[0].org_id, "first");
}

TEST(TenantFile, AcceptedTablesAppendAfterTheTenantsAlreadyLoaded) {
  std::vector<TenantConfig> tenants(1);
  ASSERT_TRUE(scan_tenant_file("[[tenant]]\norg_id = 'a'\nname = 'A'\n", tenants_file, tenants));
  ASSERT_EQ(tenants.size(), 2u);
  EXPECT_EQ(tenants[1].org_id, "a");
  EXPECT_EQ(at(tenants[1].where), tenants_file + ":1:1");
  EXPECT_EQ(at(tenants[1].org_id_pos), tenants_file + ":2:10");
}

}  // namespace
}  // namespace portico::config
