// Fuzz target: the fast path for tenant files (config/tenant_file) against toml++ and the
// decoder, on the same text. Invariants: nothing throws; when the fast path accepts a text,
// toml++ and the decoder report no problem for it and produce the same tenants, every field
// and every position equal; when it declines, it leaves the tenants it was given untouched.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/load.hpp"
#include "proxy/config/tenant_file.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace portico;

const std::string virtual_path = "/nonexistent-portico-fuzz/tenants.toml";

bool same(const config::SourcePos& a, const config::SourcePos& b) {
  return a.file == b.file && a.line == b.line && a.column == b.column;
}

bool same(const std::vector<config::SourcePos>& a, const std::vector<config::SourcePos>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}

void check_same(const config::TenantConfig& fast, const config::TenantConfig& slow) {
  FUZZ_CHECK(fast.org_id == slow.org_id);
  FUZZ_CHECK(fast.name == slow.name);
  FUZZ_CHECK(fast.portal_name == slow.portal_name);
  FUZZ_CHECK(fast.previous_portal_names == slow.previous_portal_names);
  FUZZ_CHECK(fast.custom_domains == slow.custom_domains);
  FUZZ_CHECK(fast.canonical_host == slow.canonical_host);
  FUZZ_CHECK(fast.banner == slow.banner);
  FUZZ_CHECK(fast.notify_org_on_activity == slow.notify_org_on_activity);
  FUZZ_CHECK(fast.notify_customer_on_comment == slow.notify_customer_on_comment);
  FUZZ_CHECK(fast.allow_edit_profile == slow.allow_edit_profile);
  FUZZ_CHECK(fast.allow_forward_documents == slow.allow_forward_documents);
  FUZZ_CHECK(fast.enable_reviews == slow.enable_reviews);
  FUZZ_CHECK(fast.show_sales_orders == slow.show_sales_orders);
  FUZZ_CHECK(fast.show_projects == slow.show_projects);
  FUZZ_CHECK(same(fast.where, slow.where));
  FUZZ_CHECK(same(fast.org_id_pos, slow.org_id_pos));
  FUZZ_CHECK(same(fast.portal_name_pos, slow.portal_name_pos));
  FUZZ_CHECK(same(fast.previous_portal_name_pos, slow.previous_portal_name_pos));
  FUZZ_CHECK(same(fast.custom_domain_pos, slow.custom_domain_pos));
  FUZZ_CHECK(same(fast.canonical_host_pos, slow.canonical_host_pos));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<config::TenantConfig> fast(1);  // one loaded before, as from an earlier file
  fast[0].org_id = "earlier";
  const bool accepted = config::scan_tenant_file(text, virtual_path, fast);
  FUZZ_CHECK(!fast.empty() && fast[0].org_id == "earlier");
  if (!accepted) {
    FUZZ_CHECK(fast.size() == 1);
    return 0;
  }
  // A text of [[tenant]] tables decodes as the main file the same as it does as an include.
  const config::LoadResult slow = config::load_config_string(text, virtual_path);
  FUZZ_CHECK(slow.problems.empty());
  FUZZ_CHECK(slow.config.tenants.size() + 1 == fast.size());
  for (std::size_t i = 0; i < slow.config.tenants.size(); ++i) {
    check_same(fast[i + 1], slow.config.tenants[i]);
  }
  return 0;
}
