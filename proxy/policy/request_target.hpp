// policy/request_target: origin-form request target -> the one normalized path that both the
// feature gates and the upstream see (DESIGN §4, docs/path-normalization.md). Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace portico::policy {

// Longest request target accepted (path and query together), in bytes.
inline constexpr std::size_t max_target_length = 8 * 1024;

// Why a target was refused; every one of these is answered with 400.
enum class TargetError {
  not_origin_form,
  fragment,
  bad_percent_encoding,
  encoded_slash,
  backslash,
  control_character,
  encoded_dot_segment,
  climbs_above_root,
  path_parameters,
  too_long
};

// Short human text for the 400 page ("encoded slash (%2F) in the path").
std::string_view describe(TargetError error);

struct RequestTarget {
  std::string path;   // normalized, starts with '/'
  std::string query;  // raw query without '?', byte-identical to what the client sent
  bool has_query = false;

  // What the upstream receives: path + ("?" + query if has_query).
  std::string to_string() const;
};

// Normalizes an origin-form target ("/a/b?x=1"). Absolute-form targets are split by the
// caller (http layer) first; '*' (OPTIONS) is the caller's too. On success fills `out` and
// returns true; otherwise sets `error`, leaves `out` unspecified and returns false.
// Ambiguous spellings are refused rather than guessed (see docs/path-normalization.md).
bool normalize_target(std::string_view target, RequestTarget& out, TargetError& error);

}  // namespace portico::policy
