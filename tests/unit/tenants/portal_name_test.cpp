// Tests for tenants/portal_name: the portal-name syntax and generation from org names (DESIGN §1).
#include "proxy/tenants/portal_name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::tenants {
namespace {

struct ValidityCase {
  std::string name;
  bool valid;
};

TEST(PortalName, ValiditySyntaxTable) {
  const std::vector<ValidityCase> cases = {
      {"acme", true},
      {"abc", true},
      {"a1b", true},
      {"123", true},
      {"acme-corp", true},
      {"a--b", true},
      {"x-n--a", true},
      {std::string(63, 'a'), true},
      {"", false},
      {"ab", false},
      {std::string(64, 'a'), false},
      {"Acme", false},
      {"-acme", false},
      {"acme-", false},
      {"ac_me", false},
      {"ac.me", false},
      {"ac me", false},
      {"xn--mller-kva", false},
      {"caf\xc3\xa9", false},
      {"www", true},  // reserved is not a syntax question
  };
  for (const auto& c : cases) {
    EXPECT_EQ(is_valid_portal_name(c.name), c.valid) << '"' << c.name << '"';
    EXPECT_EQ(portal_name_problem(c.name).empty(), c.valid) << '"' << c.name << '"';
  }
}

TEST(PortalName, ProblemSaysWhy) {
  EXPECT_EQ(portal_name_problem("ab"), "is shorter than 3 characters");
  EXPECT_EQ(portal_name_problem(std::string(64, 'a')), "is longer than 63 characters");
  EXPECT_EQ(portal_name_problem("Acme"), "has a character outside [a-z0-9-]");
  EXPECT_EQ(portal_name_problem("-acme"), "starts or ends with '-'");
  EXPECT_EQ(portal_name_problem("xn--abc"), "starts with \"xn--\" (reserved for punycode)");
}

struct GenerationCase {
  std::string org_name;
  std::string expected;
};

TEST(PortalName, GeneratesFromOrgNames) {
  const std::vector<GenerationCase> cases = {
      {"Zylker Traders Ltd.", "zylker-traders-ltd"},
      {"Caf\xc3\xa9 M\xc3\xbcller", "cafe-muller"},  // Café Müller
      {"\xc3\x9cn\xc3\xaf"
       "c\xc3\xb6"
       "d\xc3\xa9",
       "unicode"},  // Ünïcödé
      {"Stra\xc3\x9f"
       "e & S\xc3\xb6hne",
       "strasse-sohne"},                                // Straße & Söhne
      {"\xc3\x86r\xc3\xb8 Bryggeri", "aero-bryggeri"},  // Ærø Bryggeri
      {"\xc3\x85land Fa\xc3\xa7"
       "ades",
       "aland-facades"},  // Åland Façades
      {"Espa\xc3\xb1"
       "a",
       "espana"},  // España
      {"\xc5\x81\xc3\xb3"
       "d\xc5\xba",
       "lodz"},                                        // Łódź
      {"\xc5\x92uvre \xc4\xb2ssel", "oeuvre-ijssel"},  // Œuvre Ĳssel
      {"\xc3\x9e"
       "orp",
       "thorp"},                                                // Þorp
      {"Dvo\xc5\x99\xc3\xa1k & \xc5\xa0koda", "dvorak-skoda"},  // Dvořák & Škoda
      {"Cafe\xcc\x81 Noir", "cafe-noir"},                       // combining acute
      {"  --ACME--  ", "acme"},
      {"A.B.C", "a-b-c"},
      {"3M", "3m"},
      {"!!!", ""},
      {"", ""},
      {"\xe6\x97\xa5\xe6\x9c\xac\xe5\x95\x86\xe4\xba\x8b", ""},  // 日本商事
      {"Acme \xe6\x97\xa5\xe6\x9c\xac Corp", "acme-corp"},
      {"x \xc3\x97 y", "x-y"},  // × is a symbol
      {"bad\xff"
       "byte",
       "bad-byte"},
      {"trunc\xc3", "trunc"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(portal_name_from_org_name(c.org_name), c.expected) << '"' << c.org_name << '"';
  }
}

TEST(PortalName, LongNamesAreCutTo63WithoutTrailingDash) {
  const std::string long_word(100, 'a');
  EXPECT_EQ(portal_name_from_org_name(long_word), std::string(63, 'a'));

  // A separator lands exactly at position 63: the cut must not leave a trailing '-'.
  const std::string name = std::string(63, 'b') + " cde";
  EXPECT_EQ(portal_name_from_org_name(name), std::string(63, 'b'));
  const std::string dash_at_62 = std::string(62, 'c') + " de";
  EXPECT_EQ(portal_name_from_org_name(dash_at_62), std::string(62, 'c'));

  const std::string words = "The Very Long Name Of An Organization That Keeps Going And Going Ltd";
  const std::string generated = portal_name_from_org_name(words);
  EXPECT_EQ(generated.size(), 63u);
  EXPECT_TRUE(is_valid_portal_name(generated)) << generated;
  EXPECT_EQ(generated, "the-very-long-name-of-an-organization-that-keeps-going-and-goin");
}

TEST(PortalName, FoldsAllOfLatin1AndExtendedA) {
  // Every letter of U+00C0..U+017F folds to ASCII letters; the two symbols split words.
  for (char32_t code = 0xC0; code <= 0x17F; ++code) {
    std::string utf8;
    utf8 += static_cast<char>(0xC0 | (code >> 6));
    utf8 += static_cast<char>(0x80 | (code & 0x3F));
    const std::string folded = portal_name_from_org_name("x" + utf8 + "x");
    if (code == 0xD7 || code == 0xF7) {
      EXPECT_EQ(folded, "x-x");
    } else {
      EXPECT_TRUE(folded.size() >= 3 && folded.size() <= 4 && folded.front() == 'x' &&
                  folded.back() == 'x' && folded.find('-') == std::string::npos)
          << "U+" << std::hex << static_cast<unsigned>(code) << " -> " << folded;
    }
  }
}

}  // namespace
}  // namespace portico::tenants
