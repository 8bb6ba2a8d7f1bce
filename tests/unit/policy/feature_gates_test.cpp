// Tests for policy/feature_gates: default gates, config problems, and every bypass attempt
// run through normalize_target first, the way a request meets them.
#include "proxy/policy/feature_gates.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "proxy/policy/request_target.hpp"
#include "proxy/tenants/tenant.hpp"

namespace portico::policy {
namespace {

using tenants::Feature;
using tenants::feature_bit;

constexpr std::uint32_t edit_profile = feature_bit(Feature::edit_profile);
constexpr std::uint32_t forward_documents = feature_bit(Feature::forward_documents);
constexpr std::uint32_t projects = feature_bit(Feature::projects);
constexpr std::uint32_t reviews = feature_bit(Feature::reviews);
constexpr std::uint32_t sales_orders = feature_bit(Feature::sales_orders);

FeatureGates default_gates() {
  std::vector<config::Problem> problems;
  auto gates = FeatureGates::compile(config::FeaturesSection{}, problems);
  EXPECT_TRUE(problems.empty());
  if (!gates) ADD_FAILURE() << "default gates did not compile";
  return std::move(*gates);
}

config::FeatureGate gate(std::string name, std::vector<std::string> paths,
                         std::vector<std::string> methods = {}, std::uint32_t line = 1) {
  config::FeatureGate g;
  g.name = std::move(name);
  g.paths = std::move(paths);
  for (std::size_t i = 0; i < g.paths.size(); ++i) {
    g.path_pos.push_back({"portico.toml", line + 1 + static_cast<std::uint32_t>(i), 9});
  }
  g.methods = std::move(methods);
  g.where = {"portico.toml", line, 1};
  return g;
}

// A small budget reaches the limit without compiling megabytes of program in a unit test.
constexpr std::int64_t test_budget = 64 * 1024;

struct MatchRow {
  std::string method;
  std::string path;
  std::uint32_t expected;
};

TEST(FeatureGates, DefaultGatesMatchTheirPathsAndNotTheirNearMisses) {
  const FeatureGates gates = default_gates();
  const std::vector<MatchRow> table{
      {"GET", "/salesorders", sales_orders},
      {"GET", "/salesorders/", sales_orders},
      {"GET", "/salesorders/SO-1", sales_orders},
      {"GET", "/SALESORDERS", sales_orders},
      {"GET", "/SalesOrders/so-1", sales_orders},
      {"GET", "/projects", projects},
      {"GET", "/projects/7/tasks", projects},
      {"GET", "/timesheets", projects},
      {"GET", "/TimeSheets/2024", projects},
      {"GET", "/reviews", reviews},
      {"POST", "/reviews/new", reviews},
      {"POST", "/invoices/INV-1/forward", forward_documents},
      {"GET", "/quotes/QT-42/forward", forward_documents},
      {"POST", "/salesorders/SO-1/forward", forward_documents | sales_orders},
      {"POST", "/invoices/INV-1/forward/", forward_documents},
      {"POST", "/profile", edit_profile},
      {"PUT", "/profile/address", edit_profile},
      {"PATCH", "/profile", edit_profile},
      {"DELETE", "/profile/photo", edit_profile},
      {"post", "/profile", edit_profile},
      // Near misses.
      {"GET", "/profile", 0},
      {"HEAD", "/profile", 0},
      {"OPTIONS", "/profile", 0},
      {"POST", "/profiles", 0},
      {"GET", "/salesordersx", 0},
      {"GET", "/salesorders-archive", 0},
      {"GET", "/my/salesorders", 0},
      {"GET", "/projectsx", 0},
      {"GET", "/timesheetsx", 0},
      {"GET", "/reviewsx", 0},
      {"GET", "/invoices/1/forward/x", 0},
      {"GET", "/invoices/1/forwardx", 0},
      {"GET", "/invoices/forward", 0},
      {"GET", "/invoices/1/2/forward", 0},
      {"GET", "/invoices/1", 0},
      {"POST", "/quotes/QT-42/accept", 0},
      {"GET", "/", 0},
      {"GET", "/home", 0},
      {"GET", "/%C3%A9salesorders", 0},
  };
  for (const MatchRow& row : table) {
    SCOPED_TRACE(row.method + " " + row.path);
    EXPECT_EQ(gates.match(row.method, row.path), row.expected);
  }
  EXPECT_EQ(gates.blocked_status(), 404u);
}

struct Attempt {
  std::string method;
  std::string target;
  std::uint32_t gate;  // the section the upstream would serve
};

// Either refused by normalize_target, or the normalized path is caught by the gate.
TEST(FeatureGates, NoBypassSpellingIsBothAcceptedAndUngated) {
  const FeatureGates gates = default_gates();
  const std::vector<Attempt> attempts{
      {"GET", "/salesorders", sales_orders},
      {"GET", "/SALESORDERS", sales_orders},
      {"GET", "/SalesOrders/1", sales_orders},
      {"GET", "/salesorders;x", sales_orders},
      {"GET", "/salesorders;jsessionid=1/1", sales_orders},
      {"GET", "/salesorders%3Bx", sales_orders},
      {"GET", "//salesorders", sales_orders},
      {"GET", "/./salesorders", sales_orders},
      {"GET", "/a/../salesorders", sales_orders},
      {"GET", "/salesorders/.", sales_orders},
      {"GET", "/salesorders/x/..", sales_orders},
      {"GET", "/%73alesorders", sales_orders},
      {"GET", "/%73%61%6c%65%73%6f%72%64%65%72%73", sales_orders},
      {"GET", "/%53ALESORDERS", sales_orders},
      {"GET", "/%2573alesorders", sales_orders},
      {"GET", "/x/%C0%AE%C0%AE/salesorders", sales_orders},
      {"GET", "/salesorders%2F1", sales_orders},
      {"GET", "/x%2F..%2Fsalesorders", sales_orders},
      {"GET", "/%2e%2e/salesorders", sales_orders},
      {"GET", "/.%2e/salesorders", sales_orders},
      {"GET", "/x/%2E%2E/salesorders", sales_orders},
      {"GET", "/x/.%2E/salesorders", sales_orders},
      {"GET", "/..;/salesorders", sales_orders},
      {"GET", "/../salesorders", sales_orders},
      {"GET", "/salesorders\\1", sales_orders},
      {"GET", "\\salesorders", sales_orders},
      {"GET", "/x\\..\\salesorders", sales_orders},
      {"GET", "/%5Csalesorders", sales_orders},
      {"GET", "/salesorders%00", sales_orders},
      {"GET", "/salesorders%00.html", sales_orders},
      {"GET", "/salesorders#/home", sales_orders},
      {"GET", "/salesorders?view=all", sales_orders},
      {"GET", "/salesorders%09", sales_orders},
      {"GET", "/%C5%BFalesorders", sales_orders},  // U+017F long s folds to 's'
      {"GET", "/PROJECTS", projects},
      {"GET", "//timesheets//1", projects},
      {"GET", "/projects/../timesheets", projects},
      {"GET", "/pro%6Aects", projects},
      {"GET", "/reviews/./", reviews},
      {"GET", "/rev%69ews", reviews},
      {"GET", "/rev%C4%B1ews", reviews},  // dotless i, equal to 'i' for Java's equalsIgnoreCase
      {"GET", "/REV%C4%B0EWS", reviews},  // dotted capital I
      {"POST", "/INVOICES/1/FORWARD", forward_documents},
      {"POST", "/invoices//1/forward", forward_documents},
      {"POST", "/invoices/1/./forward", forward_documents},
      {"POST", "/invoices/1/forward/", forward_documents},
      {"POST", "/invoices/1/forward;x", forward_documents},
      {"POST", "/invoices/1/%66orward", forward_documents},
      {"POST", "/quotes/a%2Fb/forward", forward_documents},
      {"POST", "/profile", edit_profile},
      {"post", "/profile", edit_profile},
      {"Put", "/PROFILE/", edit_profile},
      {"PATCH", "/profile;x", edit_profile},
      {"DELETE", "/x/../profile/photo", edit_profile},
  };
  std::size_t accepted = 0;
  for (const Attempt& attempt : attempts) {
    SCOPED_TRACE(attempt.method + " " + attempt.target);
    RequestTarget target;
    TargetError error{};
    if (!normalize_target(attempt.target, target, error)) continue;
    ++accepted;
    EXPECT_NE(gates.match(attempt.method, target.path) & attempt.gate, 0u)
        << "accepted as " << target.to_string() << " and not gated";
  }
  // Both halves are exercised: many spellings are refused, many reach the gate.
  EXPECT_GE(accepted, 25u);
  EXPECT_LE(accepted, attempts.size() - 20);
}

// These normalize (escapes of non-ASCII bytes are legitimate) and must be caught by the gate.
TEST(FeatureGates, UnicodeCaseFoldingLookalikesAreGated) {
  const FeatureGates gates = default_gates();
  const std::vector<MatchRow> table{
      {"GET", "/%C5%BFalesorders", sales_orders},  // U+017F long s
      {"GET", "/rev%C4%B1ews", reviews},           // U+0131 dotless i
      {"GET", "/REV%C4%B0EWS/", reviews},          // U+0130 dotted capital I
      {"POST", "/pro%C5%BFile", 0},                // not a spelling of "profile"
  };
  for (const MatchRow& row : table) {
    SCOPED_TRACE(row.method + " " + row.path);
    RequestTarget target;
    TargetError error{};
    ASSERT_TRUE(normalize_target(row.path, target, error)) << describe(error);
    EXPECT_EQ(target.path, row.path);
    EXPECT_EQ(gates.match(row.method, target.path), row.expected);
  }
}

TEST(FeatureGates, EveryInvalidPatternIsReportedAtItsPosition) {
  config::FeaturesSection features;
  features.gates = {gate("reviews", {"^/reviews(", "^/ok$", "[z-a]"}, {}, 10),
                    gate("projects", {"^/projects(/|$)", "a**"}, {}, 20)};
  std::vector<config::Problem> problems;
  EXPECT_FALSE(FeatureGates::compile(features, problems));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].where.line, 11u);
  EXPECT_EQ(problems[0].where.column, 9u);
  EXPECT_NE(problems[0].message.find("^/reviews("), std::string::npos) << problems[0].message;
  EXPECT_EQ(problems[1].where.line, 13u);
  EXPECT_NE(problems[1].message.find("[z-a]"), std::string::npos) << problems[1].message;
  EXPECT_EQ(problems[2].where.line, 22u);
  EXPECT_EQ(config::format_problem(problems[2]).rfind("portico.toml:22:9: [features.projects]", 0),
            0u)
      << config::format_problem(problems[2]);
  for (const auto& problem : problems) EXPECT_FALSE(problem.warning);
}

TEST(FeatureGates, OversizedPatternIsReportedAtItsPosition) {
  config::FeaturesSection features;
  features.gates = {gate("reviews", {"^/reviews$", "^/[^/]{1000}$"}, {}, 5)};
  std::vector<config::Problem> problems;
  EXPECT_FALSE(FeatureGates::compile(features, problems, test_budget));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 7u);
  EXPECT_NE(problems[0].message.find("too large"), std::string::npos) << problems[0].message;
}

TEST(FeatureGates, PatternsTogetherOverTheMemoryBudgetAreReported) {
  std::vector<std::string> paths;
  // Each fits the small test budget on its own; twenty of them do not.
  for (int i = 0; i < 20; ++i) paths.push_back("^/" + std::to_string(i) + "[^/]{20}$");
  config::FeaturesSection features;
  features.gates = {gate("reviews", paths, {}, 40)};
  std::vector<config::Problem> problems;
  EXPECT_FALSE(FeatureGates::compile(features, problems, test_budget));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where.line, 40u);
  EXPECT_NE(problems[0].message.find("memory budget"), std::string::npos) << problems[0].message;
}

TEST(FeatureGates, MethodsMustBeUppercaseTokens) {
  config::FeaturesSection features;
  features.gates = {gate("edit_profile", {"^/profile(/|$)"}, {"post", "PUT", "PAT CH", ""}, 30)};
  std::vector<config::Problem> problems;
  EXPECT_FALSE(FeatureGates::compile(features, problems));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].where.line, 30u);
  EXPECT_NE(problems[0].message.find("'post'"), std::string::npos) << problems[0].message;
  EXPECT_NE(problems[1].message.find("'PAT CH'"), std::string::npos) << problems[1].message;
}

TEST(FeatureGates, UnknownOrRepeatedGateAndBadStatusAreReported) {
  config::FeaturesSection features;
  features.blocked_status = 200;
  features.gates = {gate("invoices", {"^/invoices"}, {}, 3), gate("reviews", {"^/reviews"}, {}, 5),
                    gate("reviews", {"^/reviews2"}, {}, 7)};
  std::vector<config::Problem> problems;
  EXPECT_FALSE(FeatureGates::compile(features, problems));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].message.find("blocked_status"), std::string::npos);
  EXPECT_EQ(problems[1].where.line, 3u);
  EXPECT_EQ(problems[2].where.line, 7u);
}

TEST(FeatureGates, CustomGatesAndStatusAreUsed) {
  config::FeaturesSection features;
  features.blocked_status = 403;
  features.gates = {gate("reviews", {"^/feedback(/|$)", "^/ratings$", "(?-i)^/Stars$"}, {"GET"}),
                    gate("projects", {}, {})};
  std::vector<config::Problem> problems;
  auto gates = FeatureGates::compile(features, problems);
  ASSERT_TRUE(gates) << (problems.empty() ? "" : config::format_problem(problems[0]));
  EXPECT_EQ(gates->blocked_status(), 403u);
  EXPECT_EQ(gates->match("GET", "/ratings"), reviews);
  EXPECT_EQ(gates->match("GET", "/Feedback/1"), reviews);
  EXPECT_EQ(gates->match("POST", "/ratings"), 0u);
  EXPECT_EQ(gates->match("GET", "/Stars"), reviews);
  EXPECT_EQ(gates->match("GET", "/stars"), 0u);  // (?-i) opts one pattern out of folding
  EXPECT_EQ(gates->match("GET", "/reviews"), 0u);
  EXPECT_EQ(gates->match("GET", "/projects"), 0u);
}

TEST(FeatureGates, DefaultGatesFitASmallBudget) {
  std::vector<config::Problem> problems;
  auto gates = FeatureGates::compile(config::FeaturesSection{}, problems, test_budget);
  ASSERT_TRUE(gates) << (problems.empty() ? "" : config::format_problem(problems[0]));
  EXPECT_EQ(gates->match("GET", "/reviews"), reviews);
}

TEST(FeatureGates, NoGatesMatchNothing) {
  config::FeaturesSection features;
  features.gates.clear();
  std::vector<config::Problem> problems;
  auto gates = FeatureGates::compile(features, problems);
  ASSERT_TRUE(gates);
  EXPECT_EQ(gates->match("POST", "/profile"), 0u);
}

TEST(FeatureGates, MovedAndCopiedGatesKeepMatching) {
  FeatureGates original = default_gates();
  FeatureGates moved = std::move(original);
  const FeatureGates copy = moved;
  EXPECT_EQ(moved.match("GET", "/reviews"), reviews);
  EXPECT_EQ(copy.match("GET", "/salesorders/1"), sales_orders);
}

TEST(FeatureGates, ConcurrentMatchesAgree) {
  const FeatureGates gates = default_gates();
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (std::size_t t = 0; t < wrong.size(); ++t) {
    threads.emplace_back([&gates, &wrong, t] {
      for (int i = 0; i < 500; ++i) {
        if (gates.match("GET", "/projects/" + std::to_string(i)) != projects) ++wrong[t];
        if (gates.match("GET", "/home") != 0) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int count : wrong) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace portico::policy
