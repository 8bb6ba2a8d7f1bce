// policy/request_target: path normalization for the feature gates and the upstream.
// Refuses ambiguous spellings instead of guessing how an upstream would read them.
#include "proxy/policy/request_target.hpp"

#include <optional>
#include <vector>

#include "proxy/core/utf8.hpp"

namespace portico::policy {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Control bytes, space, DEL, and raw non-ASCII (never valid in a request target).
bool is_forbidden_raw(unsigned char c) { return c <= 0x20 || c >= 0x7F; }

// A byte that, once decoded, would change how the path splits or reads.
std::optional<TargetError> check_decoded(unsigned char value) {
  if (value == '/') return TargetError::encoded_slash;
  if (value == '\\') return TargetError::backslash;
  if (value < 0x20 || value == 0x7F) return TargetError::control_character;
  // Frameworks that decode before stripping ";params" would cut "/salesorders%3Bx" back to
  // "/salesorders"; refuse the encoded form like the raw one.
  if (value == ';') return TargetError::path_parameters;
  return std::nullopt;
}

std::optional<TargetError> check_raw(unsigned char c) {
  if (c == '\\') return TargetError::backslash;
  if (c == ';') return TargetError::path_parameters;
  if (is_forbidden_raw(c)) return TargetError::control_character;
  return std::nullopt;
}

// "%25" followed by two hex digits decodes to another escape: an upstream that decodes twice
// would read a different path than the gates did ("%2573" -> "%73" -> "s").
bool has_double_encoding(std::string_view text) {
  for (std::size_t at = text.find("%25"); at != std::string_view::npos;
       at = text.find("%25", at + 1)) {
    if (at + 4 < text.size() && hex_value(text[at + 3]) >= 0 && hex_value(text[at + 4]) >= 0) {
      return true;
    }
  }
  return false;
}

// Escaped non-ASCII bytes must spell UTF-8: an overlong "%C0%AE" is '.' to a lenient decoder
// (the old Tomcat/IIS traversals) and Latin-1 would be read differently by different upstreams.
bool escapes_are_utf8(std::string_view text) {
  if (text.find('%') == std::string_view::npos) return true;
  std::string bytes;
  bytes.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      bytes += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      bytes += text[i];
    }
  }
  return core::is_valid_utf8(bytes);
}

struct Segment {
  std::string text;          // unreserved escapes decoded, other escapes with uppercase hex
  bool encoded_dot = false;  // at least one '.' came from %2E
};

// Decodes one raw segment (between slashes) into `out`.
std::optional<TargetError> decode_segment(std::string_view raw, Segment& out) {
  out.text.clear();
  out.encoded_dot = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c != '%') {
      if (auto error = check_raw(c)) return error;
      out.text += raw[i];
      continue;
    }
    if (i + 2 >= raw.size()) return TargetError::bad_percent_encoding;
    const int high = hex_value(raw[i + 1]);
    const int low = hex_value(raw[i + 2]);
    if (high < 0 || low < 0) return TargetError::bad_percent_encoding;
    const auto value = static_cast<unsigned char>(high * 16 + low);
    if (auto error = check_decoded(value)) return error;
    if (is_unreserved(value)) {
      out.text += static_cast<char>(value);
      out.encoded_dot = out.encoded_dot || value == '.';
    } else {
      out.text += '%';
      out.text += hex_digits[high];
      out.text += hex_digits[low];
    }
    i += 2;
  }
  if (has_double_encoding(out.text) || !escapes_are_utf8(out.text)) {
    return TargetError::bad_percent_encoding;
  }
  return std::nullopt;
}

std::optional<TargetError> check_query(std::string_view query) {
  for (char c : query) {
    if (is_forbidden_raw(static_cast<unsigned char>(c))) return TargetError::control_character;
  }
  return std::nullopt;
}

// Merges empty segments, then removes dot segments (RFC 3986 5.2.4) over the decoded
// segments; a ".." with nothing left to remove is refused, not clamped at the root.
std::optional<TargetError> normalize_path(std::string_view raw_path, std::string& out) {
  out.clear();
  std::vector<std::size_t> starts;  // offset in `out` of each kept segment's '/'
  Segment segment;
  bool trailing_slash = false;
  std::size_t pos = 1;  // raw_path[0] == '/'
  while (pos <= raw_path.size()) {
    std::size_t end = raw_path.find('/', pos);
    if (end == std::string_view::npos) end = raw_path.size();
    if (auto error = decode_segment(raw_path.substr(pos, end - pos), segment)) return error;
    const bool dot = segment.text == ".";
    const bool dot_dot = segment.text == "..";
    if ((dot || dot_dot) && segment.encoded_dot) return TargetError::encoded_dot_segment;
    trailing_slash = segment.text.empty() || dot || dot_dot;
    if (dot_dot) {
      if (starts.empty()) return TargetError::climbs_above_root;
      out.resize(starts.back());
      starts.pop_back();
    } else if (!segment.text.empty() && !dot) {
      starts.push_back(out.size());
      out += '/';
      out += segment.text;
    }
    pos = end + 1;
  }
  if (out.empty() || trailing_slash) out += '/';
  return std::nullopt;
}

}  // namespace

std::string_view describe(TargetError error) {
  switch (error) {
    case TargetError::not_origin_form:
      return "request target must start with '/'";
    case TargetError::fragment:
      return "request target must not contain a fragment ('#')";
    case TargetError::bad_percent_encoding:
      return "malformed percent-encoding (bad escape, double encoding or not UTF-8)";
    case TargetError::encoded_slash:
      return "encoded slash (%2F) in the path";
    case TargetError::backslash:
      return "backslash in the path";
    case TargetError::control_character:
      return "control character, space or raw non-ASCII byte in the request target";
    case TargetError::encoded_dot_segment:
      return "percent-encoded dot segment in the path";
    case TargetError::climbs_above_root:
      return "path climbs above the root";
    case TargetError::path_parameters:
      return "path parameters (';') are not accepted";
    case TargetError::too_long:
      return "request target too long";
  }
  return "invalid request target";
}

std::string RequestTarget::to_string() const {
  if (!has_query) return path;
  std::string target;
  target.reserve(path.size() + 1 + query.size());
  target += path;
  target += '?';
  target += query;
  return target;
}

bool normalize_target(std::string_view target, RequestTarget& out, TargetError& error) {
  auto fail = [&error](TargetError reason) {
    error = reason;
    return false;
  };
  if (target.size() > max_target_length) return fail(TargetError::too_long);
  if (target.empty() || target.front() != '/') return fail(TargetError::not_origin_form);
  if (target.find('#') != std::string_view::npos) return fail(TargetError::fragment);

  const std::size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  if (auto path_error = normalize_path(raw_path, out.path)) return fail(*path_error);

  out.has_query = question != std::string_view::npos;
  out.query.clear();
  if (out.has_query) {
    const std::string_view query = target.substr(question + 1);
    if (auto query_error = check_query(query)) return fail(*query_error);
    out.query.assign(query);
  }
  return true;
}

}  // namespace portico::policy
