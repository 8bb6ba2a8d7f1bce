// Fuzz target: path normalization (policy::normalize_target), whose result is both what
// the feature gates judge and what the upstream receives (DESIGN §4). Invariants: an
// accepted target normalizes to a path with no empty, dot or ambiguous segment, the query
// is kept byte for byte, and normalizing the result again changes nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/policy/request_target.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using portico::policy::normalize_target;
using portico::policy::RequestTarget;
using portico::policy::TargetError;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

void check_normalized_path(std::string_view path) {
  FUZZ_CHECK(!path.empty() && path.front() == '/');
  FUZZ_CHECK(path.find("//") == std::string_view::npos);
  // No dot segment survives (RFC 3986 5.2.4), anywhere.
  std::string_view rest = path.substr(1);
  while (!rest.empty()) {
    std::string_view segment = rest.substr(0, rest.find('/'));
    FUZZ_CHECK(segment != "." && segment != "..");
    rest.remove_prefix(std::min(rest.size(), segment.size() + 1));
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '\\' && c != ';' && c != '#' && c != '?');
    if (c == '%') {
      // Every escape that is left is well formed, uppercase, and not one the rules decode
      // or refuse (encoded '/', '\', ';', controls, unreserved characters).
      FUZZ_CHECK(i + 2 < path.size() && is_hex(path[i + 1]) && is_hex(path[i + 2]));
      std::string_view escape = path.substr(i + 1, 2);
      for (char h : escape) FUZZ_CHECK(!(h >= 'a' && h <= 'f'));
      int value = std::stoi(std::string(escape), nullptr, 16);
      bool unreserved = (value >= 'A' && value <= 'Z') || (value >= 'a' && value <= 'z') ||
                        (value >= '0' && value <= '9') || value == '-' || value == '.' ||
                        value == '_' || value == '~';
      FUZZ_CHECK(!unreserved && value != '/' && value != '\\' && value != ';' && value >= 0x20 &&
                 value != 0x7f);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  RequestTarget normalized;
  TargetError error{};
  if (!normalize_target(target, normalized, error)) {
    FUZZ_CHECK(!portico::policy::describe(error).empty());
    return 0;
  }
  check_normalized_path(normalized.path);
  auto question = target.find('?');
  FUZZ_CHECK(normalized.has_query == (question != std::string_view::npos));
  if (normalized.has_query) FUZZ_CHECK(normalized.query == target.substr(question + 1));

  // Idempotent: what the upstream receives normalizes to itself.
  std::string forwarded = normalized.to_string();
  FUZZ_CHECK(forwarded.size() <= target.size() + 1);  // decoding only shrinks; '/' may be added
  RequestTarget again;
  FUZZ_CHECK(normalize_target(forwarded, again, error));
  FUZZ_CHECK(again.path == normalized.path);
  FUZZ_CHECK(again.to_string() == forwarded);
  return 0;
}
