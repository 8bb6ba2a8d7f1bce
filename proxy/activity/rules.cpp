// activity/rules: compiles [[activity.rule]] into one RE2 each and parses X-Portal-Activity.
// Decides only which events a request emits; spooling them is the service's job.
#include "proxy/activity/rules.hpp"

#include <re2/re2.h>

#include <utility>

namespace portico::activity {

struct ActivityRules::Rule {
  std::string event;
  std::vector<std::string> methods;  // empty = every method
  std::unique_ptr<RE2> pattern;
  int id_group = 0;  // index of the `id` group; 0 = none
  bool first_only = false;
};

namespace {

constexpr std::size_t max_event_name = 128;
constexpr std::size_t max_header_id = 512;

bool same_method(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != b[i]) return false;
  }
  return true;
}

bool method_allowed(const std::vector<std::string>& methods, std::string_view method) {
  if (methods.empty()) return true;
  for (const std::string& allowed : methods) {
    if (same_method(method, allowed)) return true;
  }
  return false;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool valid_header_id(std::string_view id) {
  if (id.empty() || id.size() > max_header_id) return false;
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\') return false;
  }
  return true;
}

// The index of the `id` group (0 = none), or nullopt after adding a problem for each
// group with another name.
std::optional<int> id_group_of(const RE2& pattern, const config::ActivityRule& rule,
                               std::vector<config::Problem>& problems) {
  int id_group = 0;
  bool ok = true;
  for (const auto& [name, index] : pattern.NamedCapturingGroups()) {
    if (name == "id") {
      id_group = index;
    } else {
      problems.push_back({rule.path_pos, "[[activity.rule]] path: capture group '" + name +
                                             "' is not allowed; the only named group is 'id' "
                                             "(the event's object_id)"});
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return id_group;
}

}  // namespace

bool valid_event_name(std::string_view name) {
  if (name.empty() || name.size() > max_event_name) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

ActivityRules::ActivityRules(std::shared_ptr<const std::vector<Rule>> rules)
    : rules_(std::move(rules)) {}

std::optional<ActivityRules> ActivityRules::compile(const config::ActivitySection& activity,
                                                    std::vector<config::Problem>& problems,
                                                    std::int64_t max_mem) {
  RE2::Options options;
  options.set_log_errors(false);  // RE2::Quiet: errors become Problems, not log lines
  options.set_max_mem(max_mem);
  auto rules = std::make_shared<std::vector<Rule>>();
  const std::size_t problems_before = problems.size();
  for (const config::ActivityRule& rule : activity.rules) {
    if (!valid_event_name(rule.event)) {
      problems.push_back({rule.where, "[[activity.rule]] event: '" + rule.event +
                                          "' must be 1-128 characters of [a-z0-9_.-]"});
    }
    auto pattern = std::make_unique<RE2>(rule.path, options);
    if (!pattern->ok()) {
      problems.push_back(
          {rule.path_pos, "[[activity.rule]] path: bad pattern: " + pattern->error()});
      continue;
    }
    const std::optional<int> id_group = id_group_of(*pattern, rule, problems);
    if (!id_group) continue;
    rules->push_back({rule.event, rule.methods, std::move(pattern), *id_group, rule.first_only});
  }
  if (problems.size() != problems_before) return std::nullopt;
  return ActivityRules(std::move(rules));
}

void ActivityRules::match(std::string_view method, std::string_view normalized_path,
                          unsigned status, std::vector<RuleMatch>& out) const {
  if (status < 200 || status > 299 || rules_ == nullptr) return;
  for (const Rule& rule : *rules_) {
    if (!method_allowed(rule.methods, method)) continue;
    re2::StringPiece groups[2];
    const int wanted = rule.id_group == 0 ? 0 : rule.id_group + 1;
    re2::StringPiece* submatch = groups;
    std::vector<re2::StringPiece> many;
    if (wanted > 2) {
      many.resize(static_cast<std::size_t>(wanted));
      submatch = many.data();
    }
    const re2::StringPiece text(normalized_path.data(), normalized_path.size());
    if (!rule.pattern->Match(text, 0, text.size(), RE2::UNANCHORED, submatch, wanted)) continue;
    RuleMatch match{rule.event, {}, rule.first_only};
    if (rule.id_group != 0) {
      const re2::StringPiece id = submatch[rule.id_group];
      if (id.data() != nullptr) match.object_id.assign(id.data(), id.size());
    }
    out.push_back(std::move(match));
  }
}

std::optional<RuleMatch> parse_activity_header(std::string_view value) {
  const std::size_t semicolon = value.find(';');
  const std::string_view name = trim(value.substr(0, semicolon));
  if (!valid_event_name(name)) return std::nullopt;
  RuleMatch match{std::string(name), {}, false};
  if (semicolon == std::string_view::npos) return match;
  const std::string_view parameter = value.substr(semicolon + 1);
  const std::size_t equals = parameter.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  const std::string_view key = trim(parameter.substr(0, equals));
  if (key.size() != 2 || (key[0] != 'i' && key[0] != 'I') || (key[1] != 'd' && key[1] != 'D'))
    return std::nullopt;
  const std::string_view id = trim(parameter.substr(equals + 1));
  if (!valid_header_id(id)) return std::nullopt;
  match.object_id = std::string(id);
  return match;
}

}  // namespace portico::activity
