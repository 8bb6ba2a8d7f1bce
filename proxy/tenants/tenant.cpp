// tenants/tenant: feature names.
#include "proxy/tenants/tenant.hpp"

#include <array>

namespace portico::tenants {
namespace {
constexpr std::array<std::string_view, feature_count> feature_names{
    "edit_profile", "forward_documents", "projects", "reviews", "sales_orders"};
}

std::string_view feature_name(Feature feature) {
  return feature_names[static_cast<std::size_t>(feature)];
}

std::optional<Feature> feature_from_name(std::string_view name) {
  for (std::size_t i = 0; i < feature_names.size(); ++i) {
    if (feature_names[i] == name) return static_cast<Feature>(i);
  }
  return std::nullopt;
}

}  // namespace portico::tenants
