// policy/feature_gates: which feature gates a request belongs to (DESIGN §4), all patterns of
// all gates in one RE2::Set. Pure: no I/O; immutable after compile, so match() needs no lock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"

namespace portico::policy {

namespace detail {
struct GateSet;  // the compiled RE2::Set and what each of its patterns belongs to
}

// Memory budget for the compiled set of all gate patterns together.
inline constexpr std::int64_t gate_patterns_max_mem = 8 * 1024 * 1024;

class FeatureGates {
 public:
  // Compiles every path pattern of every gate into one case-insensitive RE2::Set. Every
  // pattern that does not compile, every method that is not an uppercase token, every
  // unknown or repeated gate name and an out-of-range blocked_status is added to `problems`
  // (all of them, not only the first); returns nullopt if there was any. `max_mem` is the
  // budget of the whole set (tests lower it to reach the limit cheaply).
  static std::optional<FeatureGates> compile(const config::FeaturesSection& features,
                                             std::vector<config::Problem>& problems,
                                             std::int64_t max_mem = gate_patterns_max_mem);

  // Bitmask (tenants::feature_bit) of the gates this request belongs to: a gate matches when
  // one of its patterns matches `normalized_path` (from normalize_target) and its methods are
  // empty or include `method`. Never matches less than that; see docs/path-normalization.md
  // for the extra spellings it also catches. Safe to call from many threads at once.
  std::uint32_t match(std::string_view method, std::string_view normalized_path) const;

  unsigned blocked_status() const noexcept { return blocked_status_; }

 private:
  FeatureGates() = default;

  std::uint32_t match_with_slash_variant(std::string_view method, std::string_view path) const;
  std::uint32_t match_path(std::string_view method, std::string_view path) const;
  std::uint32_t all_gates_for(std::string_view method) const;

  std::shared_ptr<const detail::GateSet> compiled_;
  unsigned blocked_status_ = 404;
};

}  // namespace portico::policy
