// activity/rules: which activity events a finished request emits (DESIGN §6): the
// [[activity.rule]] patterns and the upstream's X-Portal-Activity header. Pure: no I/O;
// immutable after compile, so match() is safe from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/config/model.hpp"

namespace portico::activity {

struct RuleMatch {
  std::string event;
  std::string object_id;  // the `id` capture group, or the header's id; "" without one
  bool first_only = false;
};

// Memory budget of one compiled rule pattern.
inline constexpr std::int64_t rule_pattern_max_mem = 1024 * 1024;

// Event names: 1-128 characters of [a-z0-9_.-] (rules and header alike).
bool valid_event_name(std::string_view name);

class ActivityRules {
 public:
  ActivityRules() = default;  // no rules
  // Compiles every rule's path (RE2, case-sensitive, searched unanchored like the gates:
  // write ^ and $). Each pattern that does not compile, each capture group named anything
  // but `id` and each invalid event name is added to `problems` at its position (all of
  // them); returns nullopt if there was any.
  static std::optional<ActivityRules> compile(const config::ActivitySection& activity,
                                              std::vector<config::Problem>& problems,
                                              std::int64_t max_mem = rule_pattern_max_mem);

  // Appends one RuleMatch per rule that matches, in rule order: status 2xx, method among the
  // rule's methods (or the rule has none; compared case-insensitively), pattern found in
  // `normalized_path`. The object id is the text of the `id` group ("" when the group did
  // not take part or the rule has none).
  void match(std::string_view method, std::string_view normalized_path, unsigned status,
             std::vector<RuleMatch>& out) const;

  bool empty() const noexcept { return rules_ == nullptr || rules_->empty(); }

 private:
  struct Rule;
  explicit ActivityRules(std::shared_ptr<const std::vector<Rule>> rules);

  std::shared_ptr<const std::vector<Rule>> rules_;
};

// Parses the upstream's `X-Portal-Activity: quote.accepted; id=QT-0042`: an event name,
// optionally `; id=<value>` (value: 1-512 visible ASCII characters other than ; , " \),
// optional whitespace around each part, parameter name case-insensitive. Anything else
// (another parameter, two ids, an empty value, a bad name) is nullopt. first_only is false.
std::optional<RuleMatch> parse_activity_header(std::string_view value);

}  // namespace portico::activity
