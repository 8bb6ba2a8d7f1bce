// policy/feature_gates: compiles the gates into one RE2::Set and matches requests against it.
// Decides only membership; whether the tenant enabled a gate is the caller's question.
#include "proxy/policy/feature_gates.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <string>

#include "proxy/tenants/tenant.hpp"

namespace portico::policy {
namespace {

RE2::Options gate_options(std::int64_t max_mem) {
  RE2::Options options;
  options.set_log_errors(false);  // RE2::Quiet: errors become Problems, not log lines
  options.set_case_sensitive(false);
  options.set_max_mem(max_mem);
  return options;
}

bool is_method_token(std::string_view method) {
  if (method.empty()) return false;
  for (char c : method) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Methods are case-sensitive tokens, but some upstream frameworks uppercase them (Werkzeug
// does), so "post" must not slip past a gate limited to POST.
bool same_method(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != b[i]) return false;
  }
  return true;
}

}  // namespace

namespace detail {

struct GateSet {
  struct Gate {
    std::uint32_t bit = 0;
    std::vector<std::string> methods;  // empty = every method

    bool applies_to(std::string_view method) const {
      if (methods.empty()) return true;
      for (const std::string& allowed : methods) {
        if (same_method(method, allowed)) return true;
      }
      return false;
    }
  };
  explicit GateSet(const RE2::Options& options) : set(options, RE2::UNANCHORED) {}

  RE2::Set set;
  std::vector<Gate> gates;
  std::vector<std::size_t> pattern_gate;  // set index -> index in gates
};

}  // namespace detail

namespace {

using detail::GateSet;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The path as an upstream sees it after decoding every escape, with the Turkish dotted and
// dotless I (which Java's equalsIgnoreCase equates with 'i' but Unicode case folding does
// not) folded to 'i'. RE2's own case folding covers the rest (U+017F long s, U+212A Kelvin).
std::string decoded_view(std::string_view path) {
  std::string bytes;
  bytes.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && hex_value(path[i + 1]) >= 0 &&
        hex_value(path[i + 2]) >= 0) {
      bytes += static_cast<char>(hex_value(path[i + 1]) * 16 + hex_value(path[i + 2]));
      i += 2;
    } else {
      bytes += path[i];
    }
  }
  std::string view;
  view.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\xC4' && i + 1 < bytes.size() &&
        (bytes[i + 1] == '\xB0' || bytes[i + 1] == '\xB1')) {
      view += 'i';
      ++i;
    } else {
      view += bytes[i];
    }
  }
  return view;
}

config::SourcePos pattern_pos(const config::FeatureGate& gate, std::size_t index) {
  return index < gate.path_pos.size() ? gate.path_pos[index] : gate.where;
}

// The set only says that all patterns together were too large; a one-pattern set under the
// same budget names each culprit. Runs only when compiling failed.
void report_oversized(const config::FeaturesSection& features, const RE2::Options& options,
                      std::vector<config::Problem>& problems) {
  const std::size_t problems_before = problems.size();
  for (const config::FeatureGate& gate : features.gates) {
    for (std::size_t i = 0; i < gate.paths.size(); ++i) {
      RE2::Set alone(options, RE2::UNANCHORED);
      if (alone.Add(gate.paths[i], nullptr) >= 0 && alone.Compile()) continue;
      problems.push_back({pattern_pos(gate, i),
                          "[features." + gate.name + "] path pattern '" + gate.paths[i] +
                              "' is too large for the regex memory budget",
                          false});
    }
  }
  if (problems.size() != problems_before) return;
  problems.push_back(
      {features.gates.front().where,
       "[features] the gate path patterns together exceed the regex memory budget (" +
           std::to_string(options.max_mem() / 1024) + " KiB)",
       false});
}

bool valid_status(unsigned status) { return status >= 400 && status <= 599; }

// Adds one gate's patterns to the set; every problem found is appended.
void add_gate(const config::FeatureGate& gate, GateSet& compiled, std::uint32_t& seen,
              std::vector<config::Problem>& problems) {
  const std::string prefix = "[features." + gate.name + "] ";
  auto report = [&problems, &prefix](config::SourcePos where, const std::string& message) {
    problems.push_back({std::move(where), prefix + message, false});
  };
  const auto feature = tenants::feature_from_name(gate.name);
  if (!feature) {
    report(gate.where,
           "is not a feature gate (edit_profile, forward_documents, projects, reviews, "
           "sales_orders)");
    return;
  }
  const std::uint32_t bit = tenants::feature_bit(*feature);
  if ((seen & bit) != 0) report(gate.where, "is defined twice");
  seen |= bit;
  for (const std::string& method : gate.methods) {
    if (!is_method_token(method)) {
      report(gate.where,
             "method '" + method + "' must be an HTTP method in uppercase letters (A-Z)");
    }
  }
  const std::size_t gate_index = compiled.gates.size();
  compiled.gates.push_back({bit, gate.methods});
  for (std::size_t i = 0; i < gate.paths.size(); ++i) {
    std::string error;
    if (compiled.set.Add(gate.paths[i], &error) < 0) {
      report(pattern_pos(gate, i), "invalid path pattern '" + gate.paths[i] + "': " + error);
      continue;
    }
    compiled.pattern_gate.push_back(gate_index);
  }
}

}  // namespace

std::optional<FeatureGates> FeatureGates::compile(const config::FeaturesSection& features,
                                                  std::vector<config::Problem>& problems,
                                                  std::int64_t max_mem) {
  const std::size_t problems_before = problems.size();
  if (!valid_status(features.blocked_status)) {
    problems.push_back({features.gates.empty() ? config::SourcePos{} : features.gates.front().where,
                        "[features] blocked_status must be a 4xx or 5xx status, got " +
                            std::to_string(features.blocked_status),
                        false});
  }
  const RE2::Options options = gate_options(max_mem);
  auto compiled = std::make_shared<detail::GateSet>(options);
  std::uint32_t seen = 0;
  for (const config::FeatureGate& gate : features.gates) add_gate(gate, *compiled, seen, problems);
  if (problems.size() != problems_before) return std::nullopt;

  if (!compiled->pattern_gate.empty() && !compiled->set.Compile()) {
    report_oversized(features, options, problems);
    return std::nullopt;
  }
  FeatureGates gates;
  gates.compiled_ = std::move(compiled);
  gates.blocked_status_ = features.blocked_status;
  return gates;
}

std::uint32_t FeatureGates::match(std::string_view method, std::string_view normalized_path) const {
  if (!compiled_ || compiled_->pattern_gate.empty()) return 0;
  std::uint32_t mask = match_with_slash_variant(method, normalized_path);
  // Only escapes of reserved or non-ASCII bytes survive normalization; an upstream that
  // decodes them and folds case the Unicode way must not reach a gate through them.
  if (normalized_path.find('%') != std::string_view::npos) {
    mask |= match_with_slash_variant(method, decoded_view(normalized_path));
  }
  return mask;
}

std::uint32_t FeatureGates::match_with_slash_variant(std::string_view method,
                                                     std::string_view path) const {
  std::uint32_t mask = match_path(method, path);
  // Many routers serve "/x/" as "/x" (Express, Spring before 6); a pattern ending in '$'
  // must not be dodged by a trailing slash.
  if (path.size() > 1 && path.back() == '/') {
    mask |= match_path(method, path.substr(0, path.size() - 1));
  }
  return mask;
}

std::uint32_t FeatureGates::match_path(std::string_view method, std::string_view path) const {
  thread_local std::vector<int> hits;
  const re2::StringPiece text(path.data(), path.size());
  RE2::Set::ErrorInfo info{};
  // Most paths are in no gate. Asked only whether anything matches, RE2 allocates nothing
  // (asked which patterns match, it allocates a set of them per call: three mallocs).
  bool matched = compiled_->set.Match(text, nullptr, &info);
  if (matched) matched = compiled_->set.Match(text, &hits, &info);
  if (!matched) {
    // A DFA that ran out of memory has not looked at the whole path: fail closed.
    return info.kind == RE2::Set::kNoError ? 0 : all_gates_for(method);
  }
  std::uint32_t mask = 0;
  for (int hit : hits) {
    const GateSet::Gate& gate =
        compiled_->gates[compiled_->pattern_gate[static_cast<std::size_t>(hit)]];
    if (gate.applies_to(method)) mask |= gate.bit;
  }
  return mask;
}

std::uint32_t FeatureGates::all_gates_for(std::string_view method) const {
  std::uint32_t mask = 0;
  for (const GateSet::Gate& gate : compiled_->gates) {
    if (gate.applies_to(method)) mask |= gate.bit;
  }
  return mask;
}

}  // namespace portico::policy
