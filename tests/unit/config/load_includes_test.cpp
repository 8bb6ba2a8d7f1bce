// Tests for config/load on real files: includes, relative paths, unreadable files
// (each test in its own temporary directory, removed afterwards).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "proxy/config/load.hpp"

namespace portico::config {
namespace {

namespace fs = std::filesystem;

std::string all_problems(const LoadResult& result) {
  std::string out;
  for (const auto& problem : result.problems) out += format_problem(problem) + '\n';
  return out;
}

// A scratch directory, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("portico-load-" + std::string(info->name()) + '-' + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& root() const { return root_; }
  std::string write(const std::string& relative, const std::string& text) const {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }

 private:
  fs::path root_;
};

TEST(LoadConfigIncludes, TenantsComeFromMainFileThenIncludesInOrder) {
  TempDir dir;
  dir.write("conf/tenants/b.toml", "[[tenant]]\norg_id = 'b'\nname = 'B'\n");
  dir.write("conf/tenants/c.toml",
            "# no tenants yet\n[[tenant]]\norg_id = 'c'\nname = 'C'\n[[tenant]]\norg_id = "
            "'d'\nname = 'D'\n");
  const std::string main = dir.write("conf/portico.toml",
                                     "include = ['tenants/b.toml', './tenants/../tenants/c.toml']\n"
                                     "[tls]\ncertificate = '../certs/default.pem'\n"
                                     "[[tenant]]\norg_id = 'a'\nname = 'A'\n");
  const LoadResult result = load_config(main);
  ASSERT_TRUE(result.ok()) << all_problems(result);
  std::vector<std::string> org_ids;
  for (const auto& tenant : result.config.tenants) org_ids.push_back(tenant.org_id);
  EXPECT_EQ(org_ids, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(result.config.tenants[1].where.file, (dir.root() / "conf/tenants/b.toml").string());
  EXPECT_EQ(result.config.tenants[2].org_id_pos.file,
            (dir.root() / "conf/tenants/c.toml").string());
  EXPECT_EQ(result.config.tenants[2].where.line, 2u);
  EXPECT_EQ(result.config.tls.certificate, (dir.root() / "certs/default.pem").string());
}

TEST(LoadConfigIncludes, RelativeMainPathBecomesAbsolute) {
  TempDir dir;
  dir.write("portico.toml", "[context]\nsecret_file = 'keys/hmac.key'\n");
  const fs::path previous = fs::current_path();
  fs::current_path(dir.root());
  const LoadResult result = load_config("portico.toml");
  fs::current_path(previous);
  ASSERT_TRUE(result.ok()) << all_problems(result);
  EXPECT_EQ(result.config.path, (dir.root() / "portico.toml").string());
  EXPECT_EQ(result.config.context.secret_file, (dir.root() / "keys/hmac.key").string());
}

TEST(LoadConfigIncludes, MissingMainFileIsOneProblem) {
  TempDir dir;
  const LoadResult result = load_config((dir.root() / "nope.toml").string());
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.problems[0].message.find("cannot read config file: no such file"),
            std::string::npos);
}

TEST(LoadConfigIncludes, DevicesAndPipesAreNotRead) {
  // Reading /dev/zero would never end, /dev/stdin would block --check and every reload.
  const LoadResult result = load_config_string("include = ['/dev/zero', '/dev/null']\n",
                                               "/nonexistent-dir/portico.toml");
  ASSERT_EQ(result.problems.size(), 2u) << all_problems(result);
  EXPECT_NE(result.problems[0].message.find("include '/dev/zero': cannot read: not a regular file"),
            std::string::npos);
  EXPECT_NE(result.problems[1].message.find("not a regular file"), std::string::npos);
}

TEST(LoadConfigIncludes, IncludeMistakesAreReportedWhereTheyAre) {
  TempDir dir;
  const std::string tenants = dir.write("conf/t.toml",
                                        "include = ['u.toml']\n"
                                        "[server]\nworkers = 2\n"
                                        "[[tenant]]\norg_id = 'b'\nname = 'B'\nfeature = 1\n");
  dir.write("conf/broken.toml", "[[tenant]\n");
  const std::string main = dir.write("conf/portico.toml",
                                     "include = ['missing.toml', 't.toml', 'broken.toml',\n"
                                     "           './t.toml', 'portico.toml']\n");
  const LoadResult result = load_config(main);
  struct Expected {
    std::string file;
    std::uint32_t line;
    std::uint32_t column;
    std::string message;
  };
  const Expected expected[] = {
      {main, 1, 12,
       "include '" + (dir.root() / "conf/missing.toml").string() + "': cannot read: no such file"},
      {main, 2, 12, "included twice (first at line 1)"},
      {main, 2, 24, "the main config file includes itself"},
      {tenants, 1, 1, "nested includes are not supported"},
      {tenants, 2, 2,
       "included files may contain only [[tenant]] tables; 'server' is not allowed here"},
      {tenants, 7, 1, "unknown key 'feature' in [[tenant]]"},
      {(dir.root() / "conf/broken.toml").string(), 1, 10, ""},
  };
  ASSERT_EQ(result.problems.size(), std::size(expected)) << all_problems(result);
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    const Problem& problem = result.problems[i];
    EXPECT_EQ(problem.where.file, expected[i].file) << problem.message;
    EXPECT_EQ(problem.where.line, expected[i].line) << problem.message;
    EXPECT_EQ(problem.where.column, expected[i].column) << problem.message;
    EXPECT_NE(problem.message.find(expected[i].message), std::string::npos) << problem.message;
  }
  // The tenant of the valid include still loads (best effort), once.
  ASSERT_EQ(result.config.tenants.size(), 1u);
  EXPECT_EQ(result.config.tenants[0].org_id, "b");
}

// A big tenants file takes the fast path (config/tenant_file) while it is in the usual shape;
// a mistake anywhere in it is still reported by toml++ and the decoder at its exact position,
// and every tenant comes out the same either way.
TEST(LoadConfigIncludes, MistakeDeepInABigTenantsFileIsReportedAtItsPosition) {
  TempDir dir;
  // 1,000 tenants of five lines each; `extra` goes after the custom_domains line of tenant 500
  // (line 2504), `tail` after them all (from line 5001).
  const auto tenants_text = [](const std::string& extra, const std::string& tail) {
    std::string text;
    for (int i = 0; i < 1000; ++i) {
      const std::string n = std::to_string(i);
      text += "[[tenant]]\norg_id = \"" + n + "\"\nname = \"Customer " + n +
              "\"\ncustom_domains = [\"billing.customer" + n + ".test\"]\n" +
              (i == 500 ? extra : "") + "\n";
    }
    return text + tail;
  };
  const std::string main = dir.write("portico.toml", "include = ['tenants.toml']\n");
  const std::string tenants = dir.write("tenants.toml", tenants_text("", ""));
  const LoadResult fast = load_config(main);
  ASSERT_TRUE(fast.ok()) << all_problems(fast);
  ASSERT_EQ(fast.config.tenants.size(), 1000u);
  EXPECT_EQ(fast.config.tenants[999].custom_domain_pos[0].line, 4999u);
  EXPECT_EQ(fast.config.tenants[999].custom_domain_pos[0].column, 19u);

  // A duplicate key in tenant 500: toml++ refuses the file, at the key's value.
  dir.write("tenants.toml", tenants_text("name = 'again'\n", ""));
  const LoadResult refused = load_config(main);
  ASSERT_EQ(refused.problems.size(), 1u) << all_problems(refused);
  EXPECT_EQ(format_problem(refused.problems[0]),
            tenants + ":2505:8: Error while parsing key-value pair: cannot redefine existing "
                      "string 'name'");

  // A typo in a last tenant: toml++ parses the file and the decoder reports it; the other
  // 1,000 tenants load exactly as the fast path loaded them.
  dir.write("tenants.toml", tenants_text("", "[[tenant]]\norg_id = 'x'\nname = 'X'\nbaner = 'hi'\n"));
  const LoadResult decoded = load_config(main);
  ASSERT_EQ(decoded.problems.size(), 1u) << all_problems(decoded);
  EXPECT_EQ(format_problem(decoded.problems[0]),
            tenants + ":5004:1: unknown key 'baner' in [[tenant]]; did you mean 'banner'?");
  ASSERT_EQ(decoded.config.tenants.size(), 1001u);
  for (std::size_t i = 0; i < 1000; ++i) {
    const TenantConfig& a = fast.config.tenants[i];
    const TenantConfig& b = decoded.config.tenants[i];
    ASSERT_EQ(a.org_id, b.org_id);
    ASSERT_EQ(a.name, b.name);
    ASSERT_EQ(a.custom_domains, b.custom_domains);
    ASSERT_EQ(a.where.line, b.where.line);
    ASSERT_EQ(a.org_id_pos.column, b.org_id_pos.column);
    ASSERT_EQ(a.custom_domain_pos[0].line, b.custom_domain_pos[0].line);
    ASSERT_EQ(a.custom_domain_pos[0].column, b.custom_domain_pos[0].column);
  }
}

}  // namespace
}  // namespace portico::config
