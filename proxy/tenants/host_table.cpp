// tenants/host_table: lookups on a built table (the request path). No allocation, no locks;
// building lives in host_table_build.cpp.
#include "proxy/tenants/host_table.hpp"

namespace portico::tenants {

std::string_view to_string(HostMatch match) {
  switch (match) {
    case HostMatch::custom_domain:
      return "custom_domain";
    case HostMatch::current_name:
      return "current_name";
    case HostMatch::previous_name:
      return "previous_name";
  }
  return "unknown";
}

const HostEntry* HostTable::find(std::string_view host) const noexcept {
  std::uint32_t at = HostIndex::npos;
  if (!base_suffix_.empty() && host.ends_with(base_suffix_)) {
    const std::string_view label = host.substr(0, host.size() - base_suffix_.size());
    // Only one label: "a.b.<base>" is not a portal, even if "b" is one.
    if (label.empty() || label.find('.') != std::string_view::npos) return nullptr;
    at = portal_names_.find(label);
  } else {
    at = custom_domains_.find(host);
  }
  return at == HostIndex::npos ? nullptr : &entries_[at];
}

const Tenant* HostTable::find_by_org_id(std::string_view org_id) const noexcept {
  const std::uint32_t at = by_org_id_.find(org_id);
  return at == HostIndex::npos ? nullptr : &tenants_[at];
}

}  // namespace portico::tenants
