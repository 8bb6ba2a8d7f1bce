// tenants/portal_name: portal-name syntax and generation from org names.
// Pure: knows nothing about the reserved list or other tenants.
#include "proxy/tenants/portal_name.hpp"

#include <cstdint>

namespace portico::tenants {
namespace {

constexpr std::size_t min_length = 3;
constexpr std::size_t max_length = 63;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Base letters of U+00C0..U+00FF, one per code point. '*' = not a letter (× ÷);
// 'A' = "ae", 'T' = "th", 'S' = "ss".
constexpr std::string_view latin1_fold =
    "aaaaaaAceeeeiiiidnooooo*ouuuuyTS"
    "aaaaaaAceeeeiiiidnooooo*ouuuuyTy";
// Base letters of U+0100..U+017F (Latin Extended-A). 'I' = "ij", 'O' = "oe".
constexpr std::string_view extended_a_fold =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiIIjjkkk"
    "llllllllllnnnnnnnnnooooooOOrrrrrrsssssssstttttt"
    "uuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(latin1_fold.size() == 0x40);
static_assert(extended_a_fold.size() == 0x80);

std::string_view expand_fold(char folded) {
  switch (folded) {
    case 'A':
      return "ae";
    case 'T':
      return "th";
    case 'S':
      return "ss";
    case 'I':
      return "ij";
    case 'O':
      return "oe";
    default:
      return {};  // '*': a symbol, i.e. a separator
  }
}

struct Decoded {
  char32_t code;
  std::size_t length;
};
// A malformed byte decodes alone to U+FFFD, so it becomes a separator.
constexpr Decoded malformed{0xFFFD, 1};

// Decodes the UTF-8 sequence starting at `text[i]`.
Decoded decode_utf8(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x80) return {lead, 1};
  std::size_t count = 0;
  char32_t code = 0;
  if ((lead & 0xE0) == 0xC0) {
    count = 1;
    code = lead & 0x1Fu;
  } else if ((lead & 0xF0) == 0xE0) {
    count = 2;
    code = lead & 0x0Fu;
  } else if ((lead & 0xF8) == 0xF0) {
    count = 3;
    code = lead & 0x07u;
  } else {
    return malformed;
  }
  if (i + count >= text.size()) return malformed;
  for (std::size_t k = 1; k <= count; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return malformed;
    code = (code << 6) | (next & 0x3Fu);
  }
  constexpr char32_t smallest[] = {0, 0x80, 0x800, 0x10000};
  // Overlong forms could smuggle in ASCII letters or separators.
  if (code < smallest[count]) return malformed;
  return {code, count + 1};
}

// The ASCII letters/digits a code point folds to; empty = a separator.
std::string_view fold(char32_t code, char& scratch) {
  if (code < 0x80) {
    auto c = static_cast<char>(code);
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!is_lower_alnum(c)) return {};
    scratch = c;
    return {&scratch, 1};
  }
  char folded = '*';
  if (code >= 0xC0 && code <= 0xFF) folded = latin1_fold[code - 0xC0];
  if (code >= 0x100 && code <= 0x17F) folded = extended_a_fold[code - 0x100];
  if (folded >= 'a' && folded <= 'z') {
    scratch = folded;
    return {&scratch, 1};
  }
  return expand_fold(folded);
}

// Combining diacritical marks (decomposed "e\u0301") vanish instead of splitting a word.
bool is_combining_mark(char32_t code) { return code >= 0x300 && code <= 0x36F; }

}  // namespace

std::string_view portal_name_problem(std::string_view name) {
  if (name.size() < min_length) return "is shorter than 3 characters";
  if (name.size() > max_length) return "is longer than 63 characters";
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-') return "has a character outside [a-z0-9-]";
  }
  if (name.front() == '-' || name.back() == '-') return "starts or ends with '-'";
  if (name.starts_with("xn--")) return "starts with \"xn--\" (reserved for punycode)";
  return {};
}

bool is_valid_portal_name(std::string_view name) { return portal_name_problem(name).empty(); }

std::string portal_name_from_org_name(std::string_view org_name) {
  std::string out;
  bool pending_dash = false;
  for (std::size_t i = 0; i < org_name.size() && out.size() <= max_length;) {
    const auto [code, length] = decode_utf8(org_name, i);
    i += length;
    if (is_combining_mark(code)) continue;
    char scratch = 0;
    const std::string_view letters = fold(code, scratch);
    if (letters.empty()) {
      pending_dash = !out.empty();
      continue;
    }
    if (pending_dash) out += '-';
    pending_dash = false;
    out += letters;
  }
  if (out.size() > max_length) out.resize(max_length);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace portico::tenants
