// core/units: parsing of "<digits><unit>" durations and sizes. No allocation, no exceptions.
#include "proxy/core/units.hpp"

#include <array>
#include <limits>
#include <utility>

namespace portico::core {
namespace {

// Splits "<digits><unit>" and multiplies, refusing anything that does not fit `limit`.
template <std::size_t N>
std::optional<std::uint64_t> parse_scaled(
    std::string_view text, const std::array<std::pair<std::string_view, std::uint64_t>, N>& units,
    std::uint64_t limit) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  std::uint64_t factor = 0;
  for (const auto& [name, scale] : units) {
    if (name == unit) factor = scale;
  }
  if (factor == 0) return std::nullopt;

  std::uint64_t number = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (number > (limit - digit) / 10) return std::nullopt;
    number = number * 10 + digit;
  }
  if (number != 0 && factor > limit / number) return std::nullopt;
  return number * factor;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 4> units{{
      {"ms", 1},
      {"s", 1000},
      {"m", 60 * 1000},
      {"h", 60 * 60 * 1000},
  }};
  constexpr auto limit =
      static_cast<std::uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
  const auto count = parse_scaled(text, units, limit);
  if (!count) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*count));
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 7> units{{
      {"B", 1},
      {"KiB", 1024ull},
      {"MiB", 1024ull * 1024},
      {"GiB", 1024ull * 1024 * 1024},
      {"KB", 1000ull},
      {"MB", 1000ull * 1000},
      {"GB", 1000ull * 1000 * 1000},
  }};
  return parse_scaled(text, units, std::numeric_limits<std::uint64_t>::max());
}

}  // namespace portico::core
