// config/tenant_file: one pass over an included tenants file, straight into TenantConfig.
// Declines (returns false) at the first thing outside its subset or the first problem; it
// never reports a problem itself, so every message still comes from toml++ and the decoder.
#include "proxy/config/tenant_file.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "proxy/config/decode.hpp"
#include "proxy/core/utf8.hpp"

namespace portico::config {
namespace {

enum class Kind : std::uint8_t { string, boolean, strings };

enum class Key : std::uint8_t {
  org_id,
  name,
  portal_name,
  previous_portal_names,
  custom_domains,
  canonical_host,
  banner,
  notify_org_on_activity,
  notify_customer_on_comment,
  allow_edit_profile,
  allow_forward_documents,
  enable_reviews,
  show_sales_orders,
  show_projects,
};

struct KeyInfo {
  std::string_view name;
  Key key;
  Kind kind;
};

// The keys decode_tenants reads (decode_tenant.cpp); any other key is a problem to report.
constexpr std::array<KeyInfo, 14> tenant_keys{{
    {"org_id", Key::org_id, Kind::string},
    {"name", Key::name, Kind::string},
    {"portal_name", Key::portal_name, Kind::string},
    {"previous_portal_names", Key::previous_portal_names, Kind::strings},
    {"custom_domains", Key::custom_domains, Kind::strings},
    {"canonical_host", Key::canonical_host, Kind::string},
    {"banner", Key::banner, Kind::string},
    {"notify_org_on_activity", Key::notify_org_on_activity, Kind::boolean},
    {"notify_customer_on_comment", Key::notify_customer_on_comment, Kind::boolean},
    {"allow_edit_profile", Key::allow_edit_profile, Kind::boolean},
    {"allow_forward_documents", Key::allow_forward_documents, Kind::boolean},
    {"enable_reviews", Key::enable_reviews, Kind::boolean},
    {"show_sales_orders", Key::show_sales_orders, Kind::boolean},
    {"show_projects", Key::show_projects, Kind::boolean},
}};

std::uint32_t bit(Key key) { return 1u << static_cast<unsigned>(key); }

bool is_bare_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// A tenant table being read, straight into its place in the output: the keys seen so far
// and canonical_host as written.
struct Table {
  explicit Table(TenantConfig& into) : tenant(into) {}
  TenantConfig& tenant;
  std::uint32_t seen = 0;
  std::string canonical_host;
};

class Scanner {
 public:
  Scanner(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  bool run(std::vector<TenantConfig>& out);

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  // The byte at pos_ + ahead, or '\0' past the end (a NUL in the text is never accepted).
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  SourcePos here() const;

  void skip_blanks();
  bool newline();
  bool comment();
  bool end_of_line();
  bool array_space();
  bool utf8_sequence();
  bool text_char(char quote);
  void skip_plain(char quote);

  bool header(std::vector<TenantConfig>& out, std::optional<Table>& table);
  bool key_value(Table& table);
  bool string(std::string& out);
  bool basic_string(std::string& out);
  bool escape(std::string& out);
  bool literal_string(std::string& out);
  bool boolean(bool& out);
  bool strings(std::vector<std::string>& out, std::vector<SourcePos>& where);
  static bool finish(Table& table);

  std::string_view text_;
  const SourceFile file_;  // one shared path for every position in the file
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  std::uint32_t line_ = 1;
};

// toml++ counts columns in code points, 1-based.
SourcePos Scanner::here() const {
  std::uint32_t column = 1;
  for (std::size_t i = line_start_; i < pos_; ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  }
  return SourcePos{file_, line_, column};
}

void Scanner::skip_blanks() {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
}

// "\n" or "\r\n"; a lone "\r" is not a line break in TOML.
bool Scanner::newline() {
  if (peek() == '\r') ++pos_;
  if (peek() != '\n') return false;
  ++pos_;
  ++line_;
  line_start_ = pos_;
  return true;
}

// A well-formed UTF-8 sequence of two to four bytes (no overlong form, no surrogate, at most
// U+10FFFF), as toml++ requires of every character.
bool Scanner::utf8_sequence() {
  const std::size_t length = core::utf8_sequence_length(text_, pos_);
  pos_ += length;
  return length != 0;
}

// One character of a comment or a string other than `quote`: TAB, printable ASCII, or a
// non-ASCII character; never another control character.
bool Scanner::text_char(char quote) {
  const auto c = static_cast<unsigned char>(peek());
  if (c >= 0x80) return utf8_sequence();
  if ((c < 0x20 && c != '\t') || c == 0x7F || c == static_cast<unsigned char>(quote)) return false;
  ++pos_;
  return true;
}

// Printable ASCII other than `quote` and '\\': most of every string and comment, skipped in
// a tight loop before the general checks of text_char.
void Scanner::skip_plain(char quote) {
  while (pos_ < text_.size()) {
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c < 0x20 || c >= 0x7F || c == static_cast<unsigned char>(quote) || c == '\\') return;
    ++pos_;
  }
}

bool Scanner::comment() {
  ++pos_;  // '#'
  for (;;) {
    skip_plain('\0');
    if (at_end() || peek() == '\n' || peek() == '\r') return true;
    if (!text_char('\0')) return false;
  }
}

// What may follow a header or a value: blanks, a comment, then a line break or the end.
bool Scanner::end_of_line() {
  skip_blanks();
  if (peek() == '#' && !comment()) return false;
  return at_end() || newline();
}

// Inside an array: blanks, line breaks and comments, in any number.
bool Scanner::array_space() {
  for (;;) {
    skip_blanks();
    if (peek() == '#') {
      if (!comment()) return false;
    } else if (peek() == '\n' || peek() == '\r') {
      if (!newline()) return false;
    } else {
      return true;
    }
  }
}

// Counts "[[" (at least every table header; more when values hold it), so that `out` is
// reserved once and the tenants are decoded in place, never moved.
std::size_t count_headers(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t at = text.find("[["); at != std::string_view::npos; at = text.find("[[", at + 2)) {
    ++count;
  }
  return count;
}

bool Scanner::run(std::vector<TenantConfig>& out) {
  out.reserve(out.size() + count_headers(text_));
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = line_start_ = 3;  // toml++ skips a BOM
  std::optional<Table> table;
  for (;;) {
    skip_blanks();
    if (at_end()) break;
    const char c = peek();
    if (c == '#') {
      if (!end_of_line()) return false;
    } else if (c == '\n' || c == '\r') {
      if (!newline()) return false;
    } else if (c == '[') {
      if (table && !finish(*table)) return false;
      if (!header(out, table)) return false;
    } else if (!table || !key_value(*table)) {
      return false;  // a key outside [[tenant]], or a line outside the subset
    }
  }
  return !table || finish(*table);
}

// "[[tenant]]", blanks allowed inside the brackets as TOML allows.
bool Scanner::header(std::vector<TenantConfig>& out, std::optional<Table>& table) {
  const SourcePos where = here();
  if (peek(1) != '[') return false;
  pos_ += 2;
  skip_blanks();
  if (text_.substr(pos_, 6) != "tenant") return false;
  pos_ += 6;
  skip_blanks();
  if (peek() != ']' || peek(1) != ']') return false;
  pos_ += 2;
  if (!end_of_line()) return false;
  // Never past the capacity run() reserved (every header holds "[["), so `out` never moves.
  table.emplace(out.emplace_back());
  table->tenant.where = where;
  return true;
}

bool Scanner::key_value(Table& table) {
  const std::size_t key_start = pos_;
  while (is_bare_key_char(peek())) ++pos_;
  const std::string_view key = text_.substr(key_start, pos_ - key_start);
  const auto* info = std::find_if(tenant_keys.begin(), tenant_keys.end(),
                                  [&](const KeyInfo& k) { return k.name == key; });
  if (info == tenant_keys.end() || (table.seen & bit(info->key)) != 0) return false;
  table.seen |= bit(info->key);
  skip_blanks();
  if (peek() != '=') return false;
  ++pos_;
  skip_blanks();
  TenantConfig& tenant = table.tenant;
  bool ok = false;
  switch (info->key) {
    case Key::org_id:
      tenant.org_id_pos = here();
      ok = string(tenant.org_id);
      break;
    case Key::name:
      ok = string(tenant.name);
      break;
    case Key::portal_name:
      tenant.portal_name_pos = here();
      ok = string(tenant.portal_name.emplace());
      break;
    case Key::previous_portal_names:
      ok = strings(tenant.previous_portal_names, tenant.previous_portal_name_pos);
      break;
    case Key::custom_domains:
      ok = strings(tenant.custom_domains, tenant.custom_domain_pos);
      break;
    case Key::canonical_host:
      tenant.canonical_host_pos = here();
      ok = string(table.canonical_host);
      break;
    case Key::banner:
      ok = string(tenant.banner);
      break;
    case Key::notify_org_on_activity:
      ok = boolean(tenant.notify_org_on_activity);
      break;
    case Key::notify_customer_on_comment:
      ok = boolean(tenant.notify_customer_on_comment);
      break;
    case Key::allow_edit_profile:
      ok = boolean(tenant.allow_edit_profile);
      break;
    case Key::allow_forward_documents:
      ok = boolean(tenant.allow_forward_documents);
      break;
    case Key::enable_reviews:
      ok = boolean(tenant.enable_reviews);
      break;
    case Key::show_sales_orders:
      ok = boolean(tenant.show_sales_orders);
      break;
    case Key::show_projects:
      ok = boolean(tenant.show_projects);
      break;
  }
  return ok && end_of_line();
}

// A single-line string; multi-line ones ("""...""", '''...''') are left to toml++.
bool Scanner::string(std::string& out) {
  if (peek() == '"') return basic_string(out);
  if (peek() == '\'') return literal_string(out);
  return false;
}

bool Scanner::basic_string(std::string& out) {
  ++pos_;
  if (peek() == '"' && peek(1) == '"') return false;
  std::size_t run = pos_;  // start of the characters not yet copied to `out`
  for (;;) {
    skip_plain('"');
    if (at_end()) return false;
    const char c = peek();
    if (c == '"') {
      out.append(text_.substr(run, pos_ - run));
      ++pos_;
      return true;
    }
    if (c == '\\') {
      out.append(text_.substr(run, pos_ - run));
      if (!escape(out)) return false;
      run = pos_;
    } else if (!text_char('"')) {
      return false;
    }
  }
}

// The escapes of TOML 1.0, the only ones toml++ accepts (no \e, no \x).
bool Scanner::escape(std::string& out) {
  const char c = peek(1);
  pos_ += 2;
  switch (c) {
    case 'b': out += '\b'; return true;
    case 't': out += '\t'; return true;
    case 'n': out += '\n'; return true;
    case 'f': out += '\f'; return true;
    case 'r': out += '\r'; return true;
    case '"': out += '"'; return true;
    case '\\': out += '\\'; return true;
    case 'u':
    case 'U': break;
    default: return false;
  }
  const std::size_t digits = c == 'u' ? 4 : 8;
  std::uint32_t code = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const int value = hex_value(peek(i));
    if (value < 0) return false;
    code = code << 4 | static_cast<std::uint32_t>(value);
  }
  pos_ += digits;
  if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
  append_utf8(out, code);
  return true;
}

bool Scanner::literal_string(std::string& out) {
  ++pos_;
  if (peek() == '\'' && peek(1) == '\'') return false;
  const std::size_t start = pos_;
  for (;;) {
    skip_plain('\'');
    if (peek() == '\'') break;
    if (at_end() || !text_char('\'')) return false;
  }
  out.assign(text_.substr(start, pos_ - start));
  ++pos_;
  return true;
}

bool Scanner::boolean(bool& out) {
  if (text_.substr(pos_, 4) == "true") {
    out = true;
    pos_ += 4;
    return true;
  }
  if (text_.substr(pos_, 5) == "false") {
    out = false;
    pos_ += 5;
    return true;
  }
  return false;
}

// An array of strings over one or more lines, a trailing comma allowed.
bool Scanner::strings(std::vector<std::string>& out, std::vector<SourcePos>& where) {
  if (peek() != '[') return false;
  ++pos_;
  for (;;) {
    if (!array_space()) return false;
    if (peek() == ']') break;
    where.push_back(here());
    if (!string(out.emplace_back())) return false;
    if (!array_space()) return false;
    if (peek() == ',') {
      ++pos_;
    } else if (peek() != ']') {
      return false;
    }
  }
  ++pos_;
  return true;
}

// The checks decode_tenants makes of one tenant alone; any failure is a problem to report.
bool Scanner::finish(Table& table) {
  TenantConfig& tenant = table.tenant;
  if ((table.seen & bit(Key::org_id)) == 0 || !decode::valid_org_id(tenant.org_id)) return false;
  if ((table.seen & bit(Key::name)) == 0 || tenant.name.empty()) return false;
  if ((table.seen & bit(Key::canonical_host)) != 0) {
    if (table.canonical_host == "custom") {
      if (tenant.custom_domains.empty()) return false;
      tenant.canonical_host = CanonicalHost::custom;
    } else if (table.canonical_host != "subdomain") {
      return false;
    }
  }
  return true;
}

}  // namespace

bool scan_tenant_file(std::string_view text, const std::string& file,
                      std::vector<TenantConfig>& out) {
  const std::size_t before = out.size();
  Scanner scanner(text, file);
  if (scanner.run(out)) return true;
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
  return false;
}

}  // namespace portico::config
