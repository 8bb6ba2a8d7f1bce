// http/field_lines: start line and field lines of a complete head.
#include "proxy/http/field_lines.hpp"

#include <array>
#include <cstdint>

namespace portico::http {
namespace {

constexpr std::string_view crlf = "\r\n";

// tchar (RFC 9110 §5.6.2) as a table: every field name of every head is checked with it.
constexpr std::array<bool, 256> tchars = [] {
  std::array<bool, 256> table{};
  for (unsigned c = 0; c < 256; ++c) {
    table[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_tchar(unsigned char c) noexcept { return tchars[c]; }

// Control characters (HTAB aside) and DEL: never inside a line.
constexpr std::array<bool, 256> forbidden_in_line = [] {
  std::array<bool, 256> table{};
  for (unsigned c = 0; c < 256; ++c) table[c] = (c < 0x20 && c != '\t') || c == 0x7f;
  return table;
}();

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

// field-value = *field-content; field-vchar = VCHAR / obs-text, with SP/HTAB between.
bool is_field_value_char(unsigned char c) noexcept { return c == '\t' || (c >= 0x20 && c != 0x7f); }

std::optional<FramingError> parse_field_line(std::string_view line, FieldLine& field) {
  if (!line.empty() && is_ows(line.front())) return FramingError::obs_fold;
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return FramingError::bad_field_line;
  std::string_view name = line.substr(0, colon);
  if (!name.empty() && is_ows(name.back())) return FramingError::whitespace_before_colon;
  if (!is_token(name)) return FramingError::bad_field_name;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && is_ows(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_ows(value.back())) value.remove_suffix(1);
  for (char c : value) {
    if (!is_field_value_char(static_cast<unsigned char>(c))) return FramingError::bad_field_value;
  }
  field = {name, value};
  return std::nullopt;
}

// 1*DIGIT that fits in 64 bits.
bool is_decimal_length(std::string_view value) noexcept {
  if (value.empty() || value.size() > 20) return false;
  std::uint64_t length = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (length > (UINT64_MAX - digit) / 10) return false;
    length = length * 10 + digit;
  }
  return true;
}

}  // namespace

bool is_token(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text) {
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool name_is(std::string_view name, std::string_view lowercase) noexcept {
  if (name.size() != lowercase.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lowercase[i]) return false;
  }
  return true;
}

std::optional<FramingError> check_body_fields(const HeadLines& lines, bool http10,
                                              BodyFields& out) {
  out = {};
  int content_lengths = 0;
  int transfer_encodings = 0;
  bool content_length_valid = true;
  bool chunked = true;
  for (const FieldLine& field : lines.fields) {
    if (name_is(field.name, "content-length")) {
      ++content_lengths;
      content_length_valid = content_length_valid && is_decimal_length(field.value);
    } else if (name_is(field.name, "transfer-encoding")) {
      ++transfer_encodings;
      chunked = chunked && name_is(field.value, "chunked");
    }
  }
  // Both present is the classic CL.TE / TE.CL smuggling shape: refused before anything else.
  if (content_lengths > 0 && transfer_encodings > 0) {
    return FramingError::content_length_with_transfer_encoding;
  }
  if (content_lengths > 1) return FramingError::repeated_content_length;
  if (!content_length_valid) return FramingError::bad_content_length;
  if (transfer_encodings > 1 || !chunked) return FramingError::unsupported_transfer_encoding;
  if (transfer_encodings == 1 && http10) return FramingError::chunked_on_http10;
  out.content_length = content_lengths == 1;
  out.transfer_encoding = transfer_encodings == 1;
  return std::nullopt;
}

std::optional<FramingError> split_head(std::string_view head, HeadLines& out) {
  out.fields.clear();
  auto end = head.find(crlf);
  if (end == std::string_view::npos) return FramingError::bad_start_line;
  out.start_line = head.substr(0, end);
  std::size_t position = end + crlf.size();
  for (;;) {
    end = head.find(crlf, position);
    if (end == std::string_view::npos) return FramingError::bad_field_line;  // no blank line
    std::string_view line = head.substr(position, end - position);
    position = end + crlf.size();
    if (line.empty()) break;
    for (char c : line) {
      auto byte = static_cast<unsigned char>(c);
      if (forbidden_in_line[byte]) {
        return byte == '\r'   ? FramingError::bare_cr
               : byte == '\n' ? FramingError::bare_lf
                              : FramingError::control_character;
      }
    }
    FieldLine field;
    if (auto error = parse_field_line(line, field)) return error;
    out.fields.push_back(field);
  }
  // Nothing may follow the blank line: the caller passes exactly one head.
  if (position != head.size()) return FramingError::bad_field_line;
  return std::nullopt;
}

}  // namespace portico::http
