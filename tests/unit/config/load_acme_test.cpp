// Tests for the [acme] section of config/load: off by default, every key, mistakes at their
// position, relative paths resolved against the file.
#include <gtest/gtest.h>

#include <string>

#include "proxy/config/load.hpp"

namespace portico::config {
namespace {

using namespace std::chrono_literals;

const std::string virtual_file = "/etc/portico/portico.toml";

std::string all_problems(const LoadResult& result) {
  std::string out;
  for (const auto& problem : result.problems) out += format_problem(problem) + '\n';
  return out;
}

TEST(LoadAcme, AbsentSectionMeansOff) {
  const LoadResult result = load_config_string("", virtual_file);
  ASSERT_TRUE(result.ok()) << all_problems(result);
  EXPECT_FALSE(result.config.acme.enabled);
}

TEST(LoadAcme, EveryKeyIsDecodedAndPathsAreRelativeToTheFile) {
  const LoadResult result = load_config_string(R"toml(
[acme]
directory = "https://127.0.0.1:14000/dir"
email = "ops@example.com"
storage_dir = "../var/acme"
ca_bundle = "pebble-ca.pem"
renew_before = "48h"
renew_min_interval = "2s"
max_orders_per_hour = 20
handshake_wait = "3s"
retry_min = "250ms"
retry_max = "10m"
cleanup_grace = "1h"
)toml",
                                               virtual_file);
  ASSERT_TRUE(result.ok()) << all_problems(result);
  const AcmeSection& acme = result.config.acme;
  EXPECT_TRUE(acme.enabled);
  EXPECT_EQ(acme.directory, "https://127.0.0.1:14000/dir");
  EXPECT_EQ(acme.email, "ops@example.com");
  EXPECT_EQ(acme.storage_dir, "/etc/var/acme");
  EXPECT_EQ(acme.ca_bundle, "/etc/portico/pebble-ca.pem");
  EXPECT_EQ(acme.renew_before, 48h);
  EXPECT_EQ(acme.renew_min_interval, 2s);
  EXPECT_EQ(acme.max_orders_per_hour, 20u);
  EXPECT_EQ(acme.handshake_wait, 3s);
  EXPECT_EQ(acme.retry_min, 250ms);
  EXPECT_EQ(acme.retry_max, 10min);
  EXPECT_EQ(acme.cleanup_grace, 1h);
}

TEST(LoadAcme, DefaultsOfAMinimalSection) {
  const LoadResult result = load_config_string(
      "[acme]\ndirectory = 'https://acme.example/dir'\nstorage_dir = '/var/lib/portico/acme'\n",
      virtual_file);
  ASSERT_TRUE(result.ok()) << all_problems(result);
  const AcmeSection& acme = result.config.acme;
  EXPECT_EQ(acme.renew_before, 720h);
  EXPECT_EQ(acme.handshake_wait, 10s);
  EXPECT_EQ(acme.max_orders_per_hour, 300u);
  EXPECT_TRUE(acme.ca_bundle.empty());
}

struct MistakeCase {
  const char* what;
  const char* toml;
  std::uint32_t line;
  std::uint32_t column;
  const char* message;
};

TEST(LoadAcme, EachMistakeIsReportedAtItsPosition) {
  const MistakeCase cases[] = {
      {"unknown key", "[acme]\ndirectory = 'https://a/d'\nstorage_dir = 's'\nrenew = '1h'\n", 4, 1,
       "unknown key 'renew' in [acme]"},
      {"missing directory", "[acme]\nstorage_dir = 's'\n", 1, 1,
       "[acme]: missing required key 'directory'"},
      {"missing storage", "[acme]\ndirectory = 'https://a/d'\n", 1, 1,
       "[acme]: missing required key 'storage_dir'"},
      {"plain http directory", "[acme]\ndirectory = 'http://a/d'\nstorage_dir = 's'\n", 2, 13,
       "[acme] directory: must be an https:// URL"},
      {"duration without unit", "[acme]\ndirectory = 'https://a/d'\nstorage_dir = 's'\nhandshake_wait = '5'\n",
       4, 18, "[acme] handshake_wait: bad duration '5'"},
      {"zero orders", "[acme]\ndirectory = 'https://a/d'\nstorage_dir = 's'\nmax_orders_per_hour = 0\n", 4,
       23, "0 is out of range"},
      {"backoff cap below its start",
       "[acme]\ndirectory = 'https://a/d'\nstorage_dir = 's'\nretry_min = '1m'\nretry_max = '1s'\n", 1, 1,
       "retry_max must not be shorter than retry_min"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const LoadResult result = load_config_string(c.toml, virtual_file);
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.problems.size(), 1u) << all_problems(result);
    const Problem& problem = result.problems[0];
    EXPECT_EQ(problem.where.line, c.line) << problem.message;
    EXPECT_EQ(problem.where.column, c.column) << problem.message;
    EXPECT_NE(problem.message.find(c.message), std::string::npos) << problem.message;
  }
}

}  // namespace
}  // namespace portico::config
