// tenants/host_table: normalized host -> tenant, built once per config snapshot (DESIGN §2).
// Immutable after build: lookups are O(1), allocation-free, lock-free and noexcept.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"
#include "proxy/tenants/host_index.hpp"
#include "proxy/tenants/tenant.hpp"

namespace portico::tenants {

enum class HostMatch { custom_domain, current_name, previous_name };

// "custom_domain", "current_name", "previous_name".
std::string_view to_string(HostMatch match);

struct HostEntry {
  const Tenant* tenant;
  HostMatch match;
};

class HostTable {
 public:
  // Builds from the decoded config (Config::portal, Config::tenants). Appends every problem,
  // positioned at the offending value, to `problems`; returns std::nullopt if any of them is
  // an error. Never throws for bad input. Portal names are assigned here (explicit, previous,
  // then generated in org_id order), so the result does not depend on tenant order.
  static std::optional<HostTable> build(const config::Config& config,
                                        std::vector<config::Problem>& problems);

  // Move-only: entries point into tenants_, whose heap buffer moves with the table.
  HostTable(HostTable&&) noexcept = default;
  HostTable& operator=(HostTable&&) noexcept = default;
  HostTable(const HostTable&) = delete;
  HostTable& operator=(const HostTable&) = delete;
  ~HostTable() = default;

  // `host` is already normalized (normalize_host). `<label>.<base_domain>` with exactly one
  // label is a portal name (current or previous); anything else not under base_domain is an
  // exact custom domain (custom domains are never under base_domain: build refuses them, so
  // one probe decides). nullptr for anything else, the base domain itself included.
  const HostEntry* find(std::string_view host) const noexcept;

  const std::vector<Tenant>& tenants() const noexcept { return tenants_; }  // file order
  const Tenant* find_by_org_id(std::string_view org_id) const noexcept;
  const std::string& base_domain() const noexcept { return base_domain_; }

 private:
  HostTable() = default;

  std::vector<Tenant> tenants_;
  std::vector<HostEntry> entries_;  // what the two indexes below point at
  HostIndex custom_domains_;        // normalized custom domain -> entries_
  HostIndex portal_names_;          // current and previous portal names (the label) -> entries_
  HostIndex by_org_id_;  // org_id -> index into tenants_
  std::string base_domain_;
  std::string base_suffix_;  // "." + base_domain_
};

}  // namespace portico::tenants
