// Unit: the one strict UTF-8 check (RFC 3629) that request targets, activity events and the
// tenant-file scanner share.
#include "proxy/core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace portico::core {
namespace {

using namespace std::string_literals;

TEST(Utf8, SequenceLengthsAtTheEdgesOfEachRange) {
  EXPECT_EQ(utf8_sequence_length("\xc3\xa9", 0), 2u);           // é
  EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac", 0), 3u);       // €
  EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80", 0), 4u);   // U+1F600
  EXPECT_EQ(utf8_sequence_length("\xf4\x8f\xbf\xbf", 0), 4u);   // U+10FFFF
  EXPECT_EQ(utf8_sequence_length("a", 0), 0u);                  // ASCII is not a sequence
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);               // stray continuation
  EXPECT_EQ(utf8_sequence_length("\xc0\xae", 0), 0u);           // overlong '.'
  EXPECT_EQ(utf8_sequence_length("\xe0\x80\xae", 0), 0u);       // overlong '.'
  EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80", 0), 0u);       // surrogate U+D800
  EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80", 0), 0u);   // U+110000
  EXPECT_EQ(utf8_sequence_length("\xe2\x82", 0), 0u);           // cut short
  EXPECT_EQ(utf8_sequence_length("\xe2\x82(", 0), 0u);          // bad continuation
  EXPECT_EQ(utf8_sequence_length("x\xc3\xa9", 1), 2u);          // from an offset
  EXPECT_EQ(utf8_sequence_length("x", 1), 0u);                  // at the end
}

TEST(Utf8, WholeText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("/caf\xc3\xa9/\xe2\x82\xac"));
  EXPECT_FALSE(is_valid_utf8("/caf\xe9"));  // Latin-1
  EXPECT_FALSE(is_valid_utf8("/\xc0\xae\xc0\xae/"));
  EXPECT_TRUE(is_valid_utf8("nul \0 is ASCII"s));
}

}  // namespace
}  // namespace portico::core
