// Tests for core/units: duration and size strings, accepted and refused.
#include "proxy/core/units.hpp"

#include <gtest/gtest.h>

#include <string>

namespace portico::core {
namespace {

using std::chrono::milliseconds;

struct DurationCase {
  std::string text;
  std::optional<milliseconds> expected;
};

TEST(ParseDuration, AcceptsEachUnitAndRefusesEverythingElse) {
  const DurationCase cases[] = {
      {"250ms", milliseconds(250)},
      {"30s", milliseconds(30'000)},
      {"5m", milliseconds(300'000)},
      {"1h", milliseconds(3'600'000)},
      {"0s", milliseconds(0)},
      {"010s", milliseconds(10'000)},
      {"9223372036854775807ms", milliseconds(INT64_MAX)},
      {"", std::nullopt},
      {"30", std::nullopt},   // unit required
      {"s", std::nullopt},    // digits required
      {"-5s", std::nullopt},  // no sign
      {"+5s", std::nullopt},
      {"1.5s", std::nullopt},  // integers only
      {"30 s", std::nullopt},  // no spaces
      {" 30s", std::nullopt},
      {"30s ", std::nullopt},
      {"30S", std::nullopt},  // case-sensitive
      {"30sec", std::nullopt},
      {"1d", std::nullopt},
      {"5m30s", std::nullopt},                  // one unit only
      {"9223372036854775808ms", std::nullopt},  // overflows the rep
      {"9223372036854776s", std::nullopt},      // overflows after scaling
      {"99999999999999999999999h", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_duration(c.text), c.expected) << '"' << c.text << '"';
  }
}

struct SizeCase {
  std::string text;
  std::optional<std::uint64_t> expected;
};

TEST(ParseSize, AcceptsBinaryAndDecimalUnitsAndRefusesEverythingElse) {
  const SizeCase cases[] = {
      {"512B", 512},
      {"16KiB", 16 * 1024},
      {"25MiB", 25ull * 1024 * 1024},
      {"1GiB", 1024ull * 1024 * 1024},
      {"64KB", 64'000},
      {"2MB", 2'000'000},
      {"3GB", 3'000'000'000ull},
      {"0B", 0},
      {"18446744073709551615B", UINT64_MAX},
      {"", std::nullopt},
      {"512", std::nullopt},  // a bare number is a TOML integer, not a string
      {"KiB", std::nullopt},
      {"16kib", std::nullopt},  // case-sensitive
      {"16Mb", std::nullopt},
      {"16 KiB", std::nullopt},
      {"-1B", std::nullopt},
      {"1.5MiB", std::nullopt},
      {"1TiB", std::nullopt},
      {"18446744073709551616B", std::nullopt},  // overflow while reading digits
      {"17179869184GiB", std::nullopt},         // overflow after scaling
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_size(c.text), c.expected) << '"' << c.text << '"';
  }
}

}  // namespace
}  // namespace portico::core
