// Tests for policy/request_target: every spelling either normalizes to one path or is refused.
#include "proxy/policy/request_target.hpp"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace portico::policy {
namespace {

struct Row {
  std::string input;
  std::optional<std::string> expected;  // path + "?" + query as forwarded; nullopt = refused
  TargetError error = TargetError::not_origin_form;
};

Row ok(std::string input, std::string expected) { return {std::move(input), std::move(expected)}; }
Row bad(std::string input, TargetError error) { return {std::move(input), std::nullopt, error}; }

std::vector<Row> rows() {
  using E = TargetError;
  return {
      // Unchanged.
      ok("/", "/"),
      ok("/salesorders", "/salesorders"),
      ok("/SALESORDERS", "/SALESORDERS"),
      ok("/SalesOrders/42", "/SalesOrders/42"),
      ok("/a/b/", "/a/b/"),
      ok("/~user", "/~user"),
      ok("/invoices/INV-001/forward", "/invoices/INV-001/forward"),
      ok("/a+b/c=d/e,f/g:h/@i/!$&'()*", "/a+b/c=d/e,f/g:h/@i/!$&'()*"),
      ok("/...", "/..."),
      ok("/.well-known/x", "/.well-known/x"),
      ok("/a..b/c.", "/a..b/c."),
      // Unreserved escapes decoded; others kept with uppercase hex.
      ok("/%73alesorders", "/salesorders"),
      ok("/%53ALESORDERS", "/SALESORDERS"),
      ok("/%7Euser", "/~user"),
      ok("/%7euser", "/~user"),
      ok("/%41", "/A"),
      ok("/%30%39%2D%5F", "/09-_"),
      ok("/file%2etxt", "/file.txt"),
      ok("/%2e%2e%2e", "/..."),
      ok("/%c3%a9", "/%C3%A9"),
      ok("/a%E2%82%ACb", "/a%E2%82%ACb"),
      ok("/%F0%9F%98%80", "/%F0%9F%98%80"),
      ok("/a%20b", "/a%20b"),
      ok("/a%3fb", "/a%3Fb"),
      ok("/100%25", "/100%25"),
      ok("/a%23b", "/a%23b"),
      // Empty segments merged.
      ok("//salesorders", "/salesorders"),
      ok("/a//b", "/a/b"),
      ok("//", "/"),
      ok("/a///", "/a/"),
      // Dot segments removed.
      ok("/a/./b", "/a/b"),
      ok("/a/b/../c", "/a/c"),
      ok("/a/../salesorders", "/salesorders"),
      ok("/a/b/..", "/a/"),
      ok("/a/b/.", "/a/b/"),
      ok("/.", "/"),
      ok("/./", "/"),
      ok("/a/..", "/"),
      ok("/a//../b", "/b"),
      ok("/./salesorders/../salesorders/1", "/salesorders/1"),
      // Query kept byte-identical.
      ok("/x?a=%2F&b=..%2f", "/x?a=%2F&b=..%2f"),
      ok("/a/../b?x=/../;%2e", "/b?x=/../;%2e"),
      ok("/?", "/?"),
      ok("/p?a=1?b=2", "/p?a=1?b=2"),
      ok("/p?%zz", "/p?%zz"),
      // Refused: not origin form, fragments, length.
      bad("", E::not_origin_form),
      bad("*", E::not_origin_form),
      bad("salesorders", E::not_origin_form),
      bad("http://acme.portal.localhost/x", E::not_origin_form),
      bad("\\", E::not_origin_form),
      bad("%00", E::not_origin_form),
      bad("#frag", E::not_origin_form),
      bad("/x#frag", E::fragment),
      bad("/x?a=1#frag", E::fragment),
      bad("/" + std::string(max_target_length, 'a'), E::too_long),
      // Percent-encoding.
      bad("/a%", E::bad_percent_encoding),
      bad("/a%4", E::bad_percent_encoding),
      bad("/a%zz", E::bad_percent_encoding),
      bad("/%G1", E::bad_percent_encoding),
      bad("/%%41", E::bad_percent_encoding),
      bad("/%2573alesorders", E::bad_percent_encoding),
      bad("/%25%37%33alesorders", E::bad_percent_encoding),
      bad("/%252F", E::bad_percent_encoding),
      bad("/x/%C0%AE%C0%AE/salesorders", E::bad_percent_encoding),  // overlong '.'
      bad("/%E0%80%AE", E::bad_percent_encoding),
      bad("/caf%E9", E::bad_percent_encoding),  // Latin-1, not UTF-8
      bad("/%C3", E::bad_percent_encoding),
      bad("/%C3/%A9", E::bad_percent_encoding),
      bad("/%ED%A0%80", E::bad_percent_encoding),  // UTF-16 surrogate
      bad("/%F4%90%80%80", E::bad_percent_encoding),
      // Separators in disguise.
      bad("/salesorders%2F1", E::encoded_slash),
      bad("/salesorders%2f1", E::encoded_slash),
      bad("/salesorders\\1", E::backslash),
      bad("/%5Csalesorders", E::backslash),
      bad("/%5csalesorders", E::backslash),
      bad("/salesorders;x", E::path_parameters),
      bad("/salesorders;/1", E::path_parameters),
      bad("/..;/salesorders", E::path_parameters),
      bad("/salesorders%3Bx", E::path_parameters),
      // Control characters, spaces, raw non-ASCII.
      bad("/%00", E::control_character),
      bad("/salesorders%00.html", E::control_character),
      bad("/a%0Ab", E::control_character),
      bad("/a%7f", E::control_character),
      bad(std::string("/a\0b", 4), E::control_character),
      bad("/a\tb", E::control_character),
      bad("/a b", E::control_character),
      bad("/a\x7F", E::control_character),
      bad("/caf\xC3\xA9", E::control_character),
      bad("/x?q=caf\xC3\xA9", E::control_character),
      bad("/x?q=a b", E::control_character),
      bad("/x?q=\r\nX-Injected: 1", E::control_character),
      // Dot segments spelled with escapes.
      bad("/%2e%2e/x", E::encoded_dot_segment),
      bad("/.%2e/x", E::encoded_dot_segment),
      bad("/%2E", E::encoded_dot_segment),
      bad("/a/.%2E/salesorders", E::encoded_dot_segment),
      bad("/%2e./x", E::encoded_dot_segment),
      bad("/salesorders/%2e", E::encoded_dot_segment),
      // Climbing above the root.
      bad("/..", E::climbs_above_root),
      bad("/../x", E::climbs_above_root),
      bad("/a/../../x", E::climbs_above_root),
      bad("//../salesorders", E::climbs_above_root),
      bad("/./../x", E::climbs_above_root),
  };
}

std::string show(const std::string& text) {
  return text.size() > 80 ? text.substr(0, 40) + "...(" + std::to_string(text.size()) + " bytes)"
                          : text;
}

TEST(RequestTarget, TableOfSpellingsNormalizesOrIsRefused) {
  const auto table = rows();
  ASSERT_GE(table.size(), 50u);
  for (const Row& row : table) {
    SCOPED_TRACE("input: " + show(row.input));
    RequestTarget target;
    TargetError error = TargetError::too_long;
    const bool accepted = normalize_target(row.input, target, error);
    if (row.expected) {
      ASSERT_TRUE(accepted) << "refused: " << describe(error);
      EXPECT_EQ(target.to_string(), *row.expected);
    } else {
      ASSERT_FALSE(accepted) << "accepted as " << target.to_string();
      EXPECT_EQ(error, row.error) << describe(error);
    }
  }
}

TEST(RequestTarget, SplitsPathAndRawQuery) {
  RequestTarget target;
  TargetError error{};
  ASSERT_TRUE(normalize_target("/a/./%62?x=%2f&y", target, error));
  EXPECT_EQ(target.path, "/a/b");
  EXPECT_TRUE(target.has_query);
  EXPECT_EQ(target.query, "x=%2f&y");

  ASSERT_TRUE(normalize_target("/a?", target, error));
  EXPECT_TRUE(target.has_query);
  EXPECT_EQ(target.query, "");
  EXPECT_EQ(target.to_string(), "/a?");

  ASSERT_TRUE(normalize_target("/a", target, error));
  EXPECT_FALSE(target.has_query);
  EXPECT_EQ(target.query, "");
  EXPECT_EQ(target.to_string(), "/a");
}

TEST(RequestTarget, LengthLimitCountsTheWholeTarget) {
  RequestTarget target;
  TargetError error{};
  const std::string longest = "/" + std::string(max_target_length - 1, 'a');
  ASSERT_TRUE(normalize_target(longest, target, error));
  EXPECT_EQ(target.path, longest);
  EXPECT_FALSE(normalize_target(longest + "?", target, error));
  EXPECT_EQ(error, TargetError::too_long);

  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "/seg";
  for (int i = 0; i < 999; ++i) deep += "/..";
  ASSERT_TRUE(normalize_target(deep, target, error));
  EXPECT_EQ(target.path, "/seg/");
}

TEST(RequestTarget, NormalizingTwiceChangesNothing) {
  for (const Row& row : rows()) {
    if (!row.expected) continue;
    SCOPED_TRACE("input: " + show(row.input));
    RequestTarget once;
    RequestTarget twice;
    TargetError error{};
    ASSERT_TRUE(normalize_target(row.input, once, error));
    ASSERT_TRUE(normalize_target(once.to_string(), twice, error)) << describe(error);
    EXPECT_EQ(twice.to_string(), once.to_string());
  }
}

// Invariants of every accepted path, over random mixes of the tricky pieces.
TEST(RequestTarget, AcceptedPathsHaveNoAmbiguousSpelling) {
  constexpr std::array<const char*, 22> pieces{
      "/", "a",  "s", ".", "..", "%2e", "%2E",    "%2f",    "%73", "%25", "%41",
      ";", "\\", "?", "#", "%",  "~",   "%C3%A9", "%c0%ae", "//",  "%5c", "%3b"};
  std::mt19937 random(20240601);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> count(1, 8);
  std::size_t accepted = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string input = "/";
    for (int n = count(random); n > 0; --n) input += pieces[pick(random)];
    SCOPED_TRACE("input: " + input);
    RequestTarget target;
    TargetError error{};
    if (!normalize_target(input, target, error)) continue;
    ++accepted;
    const std::string& path = target.path;
    ASSERT_EQ(path.front(), '/');
    EXPECT_EQ(path.find("//"), std::string::npos) << path;
    EXPECT_EQ(("/" + path + "/").find("/./"), std::string::npos) << path;
    EXPECT_EQ(("/" + path + "/").find("/../"), std::string::npos) << path;
    EXPECT_EQ(path.find_first_of(";\\#?"), std::string::npos) << path;
    EXPECT_EQ(path.find("%2"), path.find("%25")) << path;  // only %25 from the %2x range
    RequestTarget again;
    ASSERT_TRUE(normalize_target(target.to_string(), again, error)) << describe(error);
    EXPECT_EQ(again.to_string(), target.to_string());
  }
  EXPECT_GT(accepted, 500u);
}

TEST(RequestTarget, EveryErrorHasADescription) {
  for (auto error :
       {TargetError::not_origin_form, TargetError::fragment, TargetError::bad_percent_encoding,
        TargetError::encoded_slash, TargetError::backslash, TargetError::control_character,
        TargetError::encoded_dot_segment, TargetError::climbs_above_root,
        TargetError::path_parameters, TargetError::too_long}) {
    EXPECT_FALSE(describe(error).empty());
    EXPECT_EQ(describe(error).find('\n'), std::string_view::npos);
  }
}

}  // namespace
}  // namespace portico::policy
