// Tests for activity/rules: which events a finished request emits, the problems a bad rule
// reports, and the X-Portal-Activity header grammar.
#include "proxy/activity/rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::activity {
namespace {

config::ActivityRule rule(std::string event, std::string path,
                          std::vector<std::string> methods = {},
                          bool first_only = false, std::uint32_t line = 1) {
  config::ActivityRule r;
  r.event = std::move(event);
  r.path = std::move(path);
  r.methods = std::move(methods);
  r.first_only = first_only;
  r.where = {"portico.toml", line, 1};
  r.path_pos = {"portico.toml", line + 3, 8};
  return r;
}

ActivityRules compile_ok(std::vector<config::ActivityRule> rules) {
  config::ActivitySection section;
  section.rules = std::move(rules);
  std::vector<config::Problem> problems;
  auto compiled = ActivityRules::compile(section, problems);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems[0].message);
  if (!compiled) {
    ADD_FAILURE() << "rules did not compile";
    return *ActivityRules::compile({}, problems);
  }
  return std::move(*compiled);
}

struct MatchRow {
  std::string method;
  std::string path;
  unsigned status;
  std::vector<std::pair<std::string, std::string>> expected;  // event, object_id
};

TEST(ActivityRules, MatchesMethodPathAndOnlySuccessfulStatuses) {
  const ActivityRules rules = compile_ok({
      rule("quote.accepted", "^/quotes/(?P<id>[^/]+)/accept$", {"POST"}),
      rule("invoice.viewed", "^/invoices/(?P<id>[^/]+)$", {"GET"}, true),
      rule("portal.visited", "^/$"),
      rule("document.touched", "^/(invoices|quotes)/(?P<id>[^/]+)$", {"GET", "PUT"}),
  });
  const std::vector<MatchRow> table{
      {"POST", "/quotes/QT-0042/accept", 200, {{"quote.accepted", "QT-0042"}}},
      {"POST", "/quotes/QT-0042/accept", 201, {{"quote.accepted", "QT-0042"}}},
      {"POST", "/quotes/QT-0042/accept", 299, {{"quote.accepted", "QT-0042"}}},
      {"post", "/quotes/QT-0042/accept", 200, {{"quote.accepted", "QT-0042"}}},
      {"GET", "/quotes/QT-0042/accept", 200, {}},
      {"POST", "/quotes/QT-0042/accept", 199, {}},
      {"POST", "/quotes/QT-0042/accept", 300, {}},
      {"POST", "/quotes/QT-0042/accept", 302, {}},
      {"POST", "/quotes/QT-0042/accept", 404, {}},
      {"POST", "/quotes/QT-0042/accept", 500, {}},
      {"POST", "/quotes/QT-0042/accept/", 200, {}},
      {"POST", "/Quotes/QT-0042/accept", 200, {}},  // case-sensitive, like the upstream
      {"POST", "/x/quotes/QT-0042/accept", 200, {}},
      {"GET", "/invoices/INV-7", 200, {{"invoice.viewed", "INV-7"}, {"document.touched", "INV-7"}}},
      {"PUT", "/invoices/INV-7", 204, {{"document.touched", "INV-7"}}},
      {"DELETE", "/invoices/INV-7", 200, {}},
      {"GET", "/invoices/INV-7/pdf", 200, {}},
      {"GET", "/", 200, {{"portal.visited", ""}}},
      {"DELETE", "/", 200, {{"portal.visited", ""}}},
      {"GET", "/", 500, {}},
      {"GET", "/home", 200, {}},
  };
  for (const MatchRow& row : table) {
    SCOPED_TRACE(row.method + " " + row.path + " " + std::to_string(row.status));
    std::vector<RuleMatch> out;
    rules.match(row.method, row.path, row.status, out);
    ASSERT_EQ(out.size(), row.expected.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].event, row.expected[i].first);
      EXPECT_EQ(out[i].object_id, row.expected[i].second);
    }
  }
}

TEST(ActivityRules, FirstOnlyIsCarriedToTheMatch) {
  const ActivityRules rules = compile_ok({
      rule("invoice.viewed", "^/invoices/(?P<id>[^/]+)$", {}, true),
      rule("invoice.any", "^/invoices/"),
  });
  std::vector<RuleMatch> out;
  rules.match("GET", "/invoices/9", 200, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].first_only);
  EXPECT_FALSE(out[1].first_only);
  EXPECT_EQ(out[1].object_id, "");
}

TEST(ActivityRules, IdGroupAfterUnnamedGroupsAndOptionalIdGroup) {
  const ActivityRules rules = compile_ok({
      rule("deep", "^/(a|b)/(c)/(d)/(?P<id>[0-9]+)$"),
      rule("optional", "^/orders(?:/(?P<id>[0-9]+))?$"),
  });
  std::vector<RuleMatch> out;
  rules.match("GET", "/b/c/d/77", 200, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].object_id, "77");
  out.clear();
  rules.match("GET", "/orders", 200, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].object_id, "");
  out.clear();
  rules.match("GET", "/orders/12", 200, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].object_id, "12");
}

TEST(ActivityRules, NoRulesMatchNothing) {
  const ActivityRules rules = compile_ok({});
  EXPECT_TRUE(rules.empty());
  std::vector<RuleMatch> out;
  rules.match("GET", "/", 200, out);
  EXPECT_TRUE(out.empty());
}

TEST(ActivityRules, EveryBadRuleIsReportedAtItsPosition) {
  config::ActivitySection section;
  section.rules = {
      rule("ok", "^/fine/(?P<id>x)$", {}, false, 1),
      rule("bad.regex", "^/quotes/(?P<id>[^/]+", {}, false, 10),
      rule("bad.group", "^/quotes/(?P<quote>[^/]+)$", {}, false, 20),
      rule("Bad Name", "^/x$", {}, false, 30),
      rule("two.groups", "^/(?P<id>a)/(?P<other>b)$", {}, false, 40),
  };
  std::vector<config::Problem> problems;
  EXPECT_FALSE(ActivityRules::compile(section, problems));
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].where.line, 13u);
  EXPECT_EQ(problems[0].where.column, 8u);
  EXPECT_NE(problems[0].message.find("bad pattern"), std::string::npos) << problems[0].message;
  EXPECT_EQ(problems[1].where.line, 23u);
  EXPECT_NE(problems[1].message.find("capture group 'quote'"), std::string::npos)
      << problems[1].message;
  EXPECT_EQ(problems[2].where.line, 30u);
  EXPECT_NE(problems[2].message.find("'Bad Name'"), std::string::npos) << problems[2].message;
  EXPECT_EQ(problems[3].where.line, 43u);
  EXPECT_NE(problems[3].message.find("'other'"), std::string::npos) << problems[3].message;
}

TEST(ActivityRules, PatternOverTheMemoryBudgetIsAProblem) {
  config::ActivitySection section;
  section.rules = {rule("huge", "^/(a{1,1000}){1,1000}$")};
  std::vector<config::Problem> problems;
  EXPECT_FALSE(ActivityRules::compile(section, problems, 64 * 1024));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("bad pattern"), std::string::npos) << problems[0].message;
}

struct HeaderRow {
  std::string value;
  std::optional<std::pair<std::string, std::string>> expected;
};

TEST(ActivityHeader, ParsesEventAndOptionalId) {
  using P = std::pair<std::string, std::string>;
  const std::vector<HeaderRow> table{
      {"quote.accepted; id=QT-0042", P{"quote.accepted", "QT-0042"}},
      {"quote.accepted;id=QT-0042", P{"quote.accepted", "QT-0042"}},
      {"  quote.accepted  ;  id = QT-0042  ", P{"quote.accepted", "QT-0042"}},
      {"\tquote.accepted\t;\tid=QT-0042\t", P{"quote.accepted", "QT-0042"}},
      {"quote.accepted; ID=QT-0042", P{"quote.accepted", "QT-0042"}},
      {"quote.accepted", P{"quote.accepted", ""}},
      {" payment_made ", P{"payment_made", ""}},
      {"a-b.c_d9", P{"a-b.c_d9", ""}},
      {"doc.shared; id=INV/2024/001", P{"doc.shared", "INV/2024/001"}},
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"Quote.Accepted", std::nullopt},
      {"quote accepted", std::nullopt},
      {"quote.accepted;", std::nullopt},
      {"quote.accepted; id=", std::nullopt},
      {"quote.accepted; id", std::nullopt},
      {"quote.accepted; ref=QT-1", std::nullopt},
      {"quote.accepted; id=QT 1", std::nullopt},
      {"quote.accepted; id=QT-1; id=QT-2", std::nullopt},
      {"quote.accepted; id=\"QT-1\"", std::nullopt},
      {"quote.accepted, invoice.paid", std::nullopt},
      {"; id=QT-1", std::nullopt},
      {"quote.accepted; id=QT\x01", std::nullopt},
      {"quote.accepted; id=caf\xc3\xa9", std::nullopt},
      {std::string(129, 'a'), std::nullopt},
      {std::string(128, 'a'), P{std::string(128, 'a'), ""}},
      {"e; id=" + std::string(513, 'x'), std::nullopt},
      {"e; id=" + std::string(512, 'x'), P{"e", std::string(512, 'x')}},
  };
  for (const HeaderRow& row : table) {
    SCOPED_TRACE("'" + row.value + "'");
    const std::optional<RuleMatch> parsed = parse_activity_header(row.value);
    ASSERT_EQ(parsed.has_value(), row.expected.has_value());
    if (!parsed) continue;
    EXPECT_EQ(parsed->event, row.expected->first);
    EXPECT_EQ(parsed->object_id, row.expected->second);
    EXPECT_FALSE(parsed->first_only);
  }
}

}  // namespace
}  // namespace portico::activity
