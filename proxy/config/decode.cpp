// config/decode: typed readers over toml++ tables, with positions on every problem.
// Only per-value checks live here; cross-section checks belong to compile.
#include "proxy/config/decode.hpp"

#include <algorithm>
#include <utility>

#include "proxy/core/units.hpp"

namespace portico::config::decode {
namespace {

std::string single_quoted(std::string_view text) { return '\'' + std::string(text) + '\''; }

std::string format_size(std::uint64_t bytes) {
  constexpr std::uint64_t kib = 1024;
  if (bytes != 0 && bytes % (kib * kib * kib) == 0)
    return std::to_string(bytes / (kib * kib * kib)) + "GiB";
  if (bytes != 0 && bytes % (kib * kib) == 0) return std::to_string(bytes / (kib * kib)) + "MiB";
  if (bytes != 0 && bytes % kib == 0) return std::to_string(bytes / kib) + "KiB";
  return std::to_string(bytes) + "B";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest known key, when the unknown one looks like a typo of it.
std::string suggestion(std::string_view unknown, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = 3;  // at most two edits away
  for (const auto& candidate : known) {
    const std::size_t distance = edit_distance(unknown, candidate);
    if (distance < best_distance && distance < candidate.size() / 2 + 1) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace

// ---- Decoder ---------------------------------------------------------------------------

Decoder::Decoder(std::string file, std::vector<Problem>& problems)
    : file_(std::move(file)),
      dir_(std::filesystem::path(file_.str()).parent_path()),
      problems_(problems) {}

SourcePos Decoder::pos(const toml::source_region& region) const {
  return SourcePos{file_, region.begin.line, region.begin.column};
}

void Decoder::error(SourcePos where, std::string message) {
  problems_.push_back(Problem{std::move(where), std::move(message), false});
}

void Decoder::warning(SourcePos where, std::string message) {
  problems_.push_back(Problem{std::move(where), std::move(message), true});
}

std::string Decoder::resolve_path(std::string_view written) const {
  if (written.empty()) return {};
  return (dir_ / std::filesystem::path(written)).lexically_normal().string();
}

// ---- TableReader: plumbing --------------------------------------------------------------

TableReader::TableReader(Decoder& decoder, const toml::table& table, std::string label)
    : decoder_(decoder), table_(table), label_(std::move(label)) {}

const toml::node* TableReader::find(std::string_view key) {
  known_.emplace_back(key);
  return table_.get(key);
}

std::string TableReader::subject(std::string_view key) const {
  return label_.empty() ? std::string(key) : label_ + ' ' + std::string(key);
}

void TableReader::type_error(std::string_view key, const toml::node& node,
                             std::string_view expected) {
  decoder_.error(decoder_.pos(node), subject(key) + ": expected " + std::string(expected) +
                                         ", got " + std::string(type_name(node)));
}

void TableReader::reject_unknown() {
  for (const auto& [key, value] : table_) {
    if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
    std::string message = label_.empty()
                              ? "unknown top-level key " + single_quoted(key.str())
                              : "unknown key " + single_quoted(key.str()) + " in " + label_;
    const std::string guess = suggestion(key.str(), known_);
    if (!guess.empty()) {
      message += "; did you mean " + single_quoted(guess) + '?';
    } else if (!label_.empty() && key.str() == "include") {
      message += " (top-level keys must come before the first [table] header)";
    }
    decoder_.error(decoder_.pos(key), std::move(message));
  }
}

const toml::table* TableReader::subtable(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return nullptr;
  if (const auto* table = node->as_table()) return table;
  type_error(key, *node, "a table");
  return nullptr;
}

const toml::array* TableReader::array_of_tables(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return nullptr;
  const auto* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    // An empty array is a harmless array of zero tables.
    if (array != nullptr && array->empty()) return array;
    const std::string dotted = label_.empty()
                                   ? std::string(key)
                                   : label_.substr(1, label_.size() - 2) + '.' + std::string(key);
    type_error(key, *node, "an array of tables ([[" + dotted + "]])");
    return nullptr;
  }
  return array;
}

// ---- TableReader: scalars -----------------------------------------------------------------

bool TableReader::boolean(std::string_view key, bool& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  if (const auto* value = node->as_boolean()) {
    out = value->get();
    return true;
  }
  type_error(key, *node, "a boolean (true or false)");
  return false;
}

bool TableReader::string(std::string_view key, std::string& out, SourcePos* where) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  if (const auto* value = node->as_string()) {
    out = value->get();
    if (where != nullptr) *where = decoder_.pos(*node);
    return true;
  }
  type_error(key, *node, "a string");
  return false;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) {
  const toml::node* node = find(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    type_error(key, *node, "an integer");
    return std::nullopt;
  }
  if (value->get() < min || value->get() > max) {
    decoder_.error(decoder_.pos(*node), subject(key) + ": " + std::to_string(value->get()) +
                                            " is out of range (" + std::to_string(min) + '-' +
                                            std::to_string(max) + ')');
    return std::nullopt;
  }
  return value->get();
}

bool TableReader::duration(std::string_view key, Duration& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* value = node->as_string();
  if (value == nullptr) {
    type_error(key, *node, "a duration string with a unit, like \"30s\"");
    return false;
  }
  const auto parsed = core::parse_duration(value->get());
  if (!parsed) {
    decoder_.error(decoder_.pos(*node),
                   subject(key) + ": bad duration " + single_quoted(value->get()) +
                       ": expected digits and a unit (ms, s, m, h), like \"30s\"");
    return false;
  }
  if (parsed->count() == 0) {
    decoder_.error(decoder_.pos(*node), subject(key) + ": must be greater than 0");
    return false;
  }
  out = *parsed;
  return true;
}

bool TableReader::size(std::string_view key, std::uint64_t& out, std::uint64_t min,
                       std::uint64_t max) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  std::optional<std::uint64_t> bytes;
  if (const auto* number = node->as_integer()) {
    if (number->get() < 0) {
      decoder_.error(decoder_.pos(*node), subject(key) + ": a size must not be negative");
      return false;
    }
    bytes = static_cast<std::uint64_t>(number->get());
  } else if (const auto* text = node->as_string()) {
    bytes = core::parse_size(text->get());
    if (!bytes) {
      decoder_.error(
          decoder_.pos(*node),
          subject(key) + ": bad size " + single_quoted(text->get()) +
              ": expected digits and a unit (B, KiB, MiB, GiB, KB, MB, GB), like \"16KiB\"");
      return false;
    }
  } else {
    type_error(key, *node, "a size (a string like \"16KiB\" or an integer number of bytes)");
    return false;
  }
  if (*bytes < min || *bytes > max) {
    decoder_.error(decoder_.pos(*node), subject(key) + ": " + format_size(*bytes) +
                                            " is out of range (" + format_size(min) + '-' +
                                            format_size(max) + ')');
    return false;
  }
  out = *bytes;
  return true;
}

bool TableReader::one_of(std::string_view key, std::string& out,
                         std::initializer_list<std::string_view> allowed, SourcePos* where) {
  std::string value;
  SourcePos value_pos;
  if (!string(key, value, &value_pos)) return false;
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    std::string list;
    for (const auto choice : allowed)
      list += (list.empty() ? "\"" : ", \"") + std::string(choice) + '"';
    decoder_.error(value_pos, subject(key) + ": " + single_quoted(value) +
                                  " is not allowed; expected one of " + list);
    return false;
  }
  out = std::move(value);
  if (where != nullptr) *where = value_pos;
  return true;
}

bool TableReader::path(std::string_view key, std::string& out, SourcePos* where) {
  std::string written;
  if (!string(key, written, where)) return false;
  out = decoder_.resolve_path(written);
  return true;
}

bool TableReader::endpoint(std::string_view key, Endpoint& out) {
  std::string text;
  SourcePos where;
  if (!string(key, text, &where)) return false;
  std::string why;
  auto parsed = parse_endpoint(text, why);
  if (!parsed) {
    decoder_.error(where, subject(key) + ": bad address " + single_quoted(text) + ": " + why);
    return false;
  }
  parsed->where = std::move(where);
  out = std::move(*parsed);
  return true;
}

// ---- TableReader: arrays ----------------------------------------------------------------

bool TableReader::strings(std::string_view key, std::vector<std::string>& out,
                          std::vector<SourcePos>* where) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* array = node->as_array();
  if (array == nullptr) {
    type_error(key, *node, "an array of strings");
    return false;
  }
  std::vector<std::string> values;
  std::vector<SourcePos> positions;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (const auto* text = element.as_string()) {
      values.push_back(text->get());
      positions.push_back(decoder_.pos(element));
    } else {
      type_error(std::string(key) + '[' + std::to_string(i) + ']', element, "a string");
      ok = false;
    }
  }
  if (!ok) return false;
  out = std::move(values);
  if (where != nullptr) *where = std::move(positions);
  return true;
}

bool TableReader::endpoints(std::string_view key, std::vector<Endpoint>& out) {
  std::vector<std::string> texts;
  std::vector<SourcePos> positions;
  if (!strings(key, texts, &positions)) return false;
  std::vector<Endpoint> parsed;
  bool ok = true;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string why;
    auto endpoint = parse_endpoint(texts[i], why);
    if (!endpoint) {
      decoder_.error(positions[i], subject(key) + '[' + std::to_string(i) + "]: bad address " +
                                       single_quoted(texts[i]) + ": " + why);
      ok = false;
      continue;
    }
    endpoint->where = positions[i];
    parsed.push_back(std::move(*endpoint));
  }
  if (!ok) return false;
  out = std::move(parsed);
  return true;
}

bool TableReader::methods(std::string_view key, std::vector<std::string>& out) {
  std::vector<std::string> texts;
  std::vector<SourcePos> positions;
  if (!strings(key, texts, &positions)) return false;
  bool ok = true;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (!is_method_token(texts[i])) {
      decoder_.error(positions[i], subject(key) + '[' + std::to_string(i) +
                                       "]: " + single_quoted(texts[i]) +
                                       " is not an uppercase HTTP method, like \"POST\"");
      ok = false;
    }
  }
  if (!ok) return false;
  out = std::move(texts);
  return true;
}

}  // namespace portico::config::decode
