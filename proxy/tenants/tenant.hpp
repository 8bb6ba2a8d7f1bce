// tenants/tenant: one organization's runtime record, built once per config snapshot.
// Plain data, immutable after the snapshot is published.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::tenants {

// The feature gates, one per portal preference (DESIGN §1, §4). Sorted by name, which is
// also the order of X-Portal-Features.
enum class Feature : std::uint8_t { edit_profile, forward_documents, projects, reviews, sales_orders };
inline constexpr std::size_t feature_count = 5;

constexpr std::uint32_t feature_bit(Feature feature) {
  return 1u << static_cast<unsigned>(feature);
}
std::string_view feature_name(Feature feature);
std::optional<Feature> feature_from_name(std::string_view name);

struct Tenant {
  std::string org_id;
  std::string name;
  std::string portal_name;  // current name (explicit or generated)
  std::vector<std::string> previous_portal_names;
  std::vector<std::string> custom_domains;  // normalized; the first is the canonical one
  bool canonical_custom = false;            // canonical_host = "custom"
  std::string banner;                       // raw text; escaped when injected
  bool notify_org_on_activity = false;
  bool notify_customer_on_comment = false;
  std::uint32_t features = 0;  // feature_bit() of every enabled gate

  // Precomputed header values (DESIGN §3).
  std::string features_header;  // enabled gates, sorted, comma-separated; may be empty
  std::string notify_header;    // "customer_comment", "org_activity", sorted, comma-separated

  bool has(Feature feature) const { return (features & feature_bit(feature)) != 0; }
};

}  // namespace portico::tenants
