// HostIndex: every key is found with its value, nothing else is, on both sides of the
// inline/long key boundary and with keys that share long prefixes (the probe must compare
// whole keys, never just a prefix or a length).
#include "proxy/tenants/host_index.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace portico::tenants {
namespace {

using Keys = std::vector<std::pair<std::string_view, std::uint32_t>>;

Keys view_of(const std::vector<std::string>& keys) {
  Keys out;
  for (std::uint32_t i = 0; i < keys.size(); ++i) out.emplace_back(keys[i], i);
  return out;
}

TEST(HostIndex, AnEmptyIndexFindsNothing) {
  const HostIndex never_built;
  EXPECT_EQ(never_built.find("acme.test"), HostIndex::npos);
  const HostIndex built_empty(Keys{});
  EXPECT_EQ(built_empty.find(""), HostIndex::npos);
  EXPECT_EQ(built_empty.find("acme.test"), HostIndex::npos);
  EXPECT_EQ(built_empty.size(), 0u);
}

TEST(HostIndex, FindsKeysOnBothSidesOfTheInlineLimit) {
  const std::vector<std::string> keys = {
      "a",
      std::string(57, 'x'),
      std::string(58, 'x'),  // the longest key kept in the slot
      std::string(59, 'x'),  // the shortest kept aside
      std::string(253, 'y'),
      "billing.customer0000001.test",
  };
  const HostIndex index(view_of(keys));
  ASSERT_EQ(index.size(), keys.size());
  for (std::uint32_t i = 0; i < keys.size(); ++i) EXPECT_EQ(index.find(keys[i]), i) << keys[i];
  EXPECT_EQ(index.find(""), HostIndex::npos);
  EXPECT_EQ(index.find(std::string(56, 'x')), HostIndex::npos);
  EXPECT_EQ(index.find(std::string(60, 'x')), HostIndex::npos);
  EXPECT_EQ(index.find("b"), HostIndex::npos);
}

TEST(HostIndex, KeysOfEqualLengthAndSharedPrefixAreToldApart) {
  // 20,000 keys per shape, differing only in their last characters (inline keys of 28 and
  // 11 bytes, long keys of 70 bytes). A lookup of a key one digit off must miss.
  std::vector<std::string> keys;
  for (int i = 0; i < 20'000; ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "billing.customer%07d.test", i);
    keys.emplace_back(text);
    std::snprintf(text, sizeof text, "org-%07d", i);
    keys.emplace_back(text);
    keys.push_back(std::string(60, 'z') + "-" + std::to_string(1'000'000 + i));
  }
  const HostIndex index(view_of(keys));
  for (std::uint32_t i = 0; i < keys.size(); ++i) ASSERT_EQ(index.find(keys[i]), i) << keys[i];
  for (int i = 20'000; i < 40'000; ++i) {
    char text[64];
    std::snprintf(text, sizeof text, "billing.customer%07d.test", i);
    ASSERT_EQ(index.find(text), HostIndex::npos) << text;
    std::snprintf(text, sizeof text, "org-%07d", i);
    ASSERT_EQ(index.find(text), HostIndex::npos) << text;
    const std::string long_key = std::string(60, 'z') + "-" + std::to_string(1'000'000 + i);
    ASSERT_EQ(index.find(long_key), HostIndex::npos) << long_key;
  }
}

TEST(HostIndex, SurvivesAMoveWithShortAndLongKeys) {
  const std::vector<std::string> keys = {"acme", "a-custom-domain-name-longer-than-fifty-eight-bytes.billing.example.test"};
  HostIndex first(view_of(keys));
  const HostIndex moved(std::move(first));
  EXPECT_EQ(moved.find("acme"), 0u);
  EXPECT_EQ(moved.find("a-custom-domain-name-longer-than-fifty-eight-bytes.billing.example.test"), 1u);
}

}  // namespace
}  // namespace portico::tenants
