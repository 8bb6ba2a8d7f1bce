// Integration: operating Portico (DESIGN §7): reload by signal and by the admin listener,
// the admin endpoints, /metrics (promtool-clean, bounded), the access log, drain and
// upstream health with several servers.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/integration/harness.hpp"

namespace portico::testing {
namespace {

const std::string acme = "acme.portal.localhost";
const std::string globex = "globex.portal.localhost";

std::string tenants(const std::string& banner, bool with_globex) {
  std::string text = "[[tenant]]\norg_id = \"7001\"\nname = \"Acme\"\nportal_name = \"acme\"\n"
                     "custom_domains = [\"billing.acme.test\"]\nprevious_portal_names = [\"acme-old\"]\n"
                     "banner = \"" + banner + "\"\n";
  if (with_globex) text += "\n[[tenant]]\norg_id = \"7002\"\nname = \"Globex\"\nportal_name = \"globex\"\n";
  return text;
}

void rewrite_config(Portico& portico, const std::string& from, const std::string& to) {
  std::ifstream in(portico.config_path());
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  auto at = config.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  config.replace(at, from.size(), to);
  std::ofstream(portico.config_path(), std::ios::trunc) << config;
}

std::string metrics(Portico& portico) {
  auto response = http_request(portico.admin_port(), "GET", "/metrics", "127.0.0.1");
  EXPECT_EQ(response.result_int(), 200u);
  return response.body();
}

std::size_t series_count(const std::string& exposition) {
  std::istringstream lines(exposition);
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line);) count += !line.empty() && line[0] != '#';
  return count;
}

TEST(Operations, ReloadAppliesAChangedBannerAndANewTenant) {
  DemoPortal demo;
  Portico portico(tenants("Old banner", false), demo.address());
  EXPECT_NE(http_request(portico.http_port(), "GET", "/", acme).body().find("Old banner"), std::string::npos);
  EXPECT_EQ(http_request(portico.http_port(), "GET", "/", globex).result_int(), 404u);

  rewrite_config(portico, tenants("Old banner", false), tenants("New banner", true));
  portico.process().send_signal(SIGHUP);
  ASSERT_TRUE(portico.process().wait_for_line("\"msg\":\"reloaded\""));
  auto home = http_request(portico.http_port(), "GET", "/", acme);
  EXPECT_NE(home.body().find("New banner"), std::string::npos);
  EXPECT_EQ(home.body().find("Old banner"), std::string::npos);
  EXPECT_EQ(http_request(portico.http_port(), "GET", "/", globex).result_int(), 200u);
  EXPECT_EQ(metric_sample(metrics(portico), "portico_reloads_total{result=\"ok\"}"), 1);
}

// The environment Portico runs with, from /proc (after its restart with the tunable set).
std::string environment_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool has_entry(const std::string& environ, const std::string& entry) {
  const std::string nul(1, '\0');
  return (nul + environ).find(nul + entry + nul) != std::string::npos;  // entries end in NUL
}

// main.cpp restarts itself once with glibc's malloc asking for huge pages (reloads of big
// tables fault in less); an operator's own setting of that tunable wins.
TEST(Operations, StartsWithHugePagesForTheHeapUnlessTheOperatorSetTheTunable) {
  DemoPortal demo;
  {
    Portico portico(tenants("Banner", false), demo.address());
    EXPECT_EQ(http_request(portico.http_port(), "GET", "/home", acme).result_int(), 200u);
    EXPECT_TRUE(has_entry(environment_of(portico.process().pid()), "GLIBC_TUNABLES=glibc.malloc.hugetlb=1"));
  }
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0", 1);
  {
    Portico portico(tenants("Banner", false), demo.address());
    EXPECT_EQ(http_request(portico.http_port(), "GET", "/home", acme).result_int(), 200u);
    const std::string environ = environment_of(portico.process().pid());
    EXPECT_TRUE(has_entry(environ, "GLIBC_TUNABLES=glibc.malloc.hugetlb=0"));
    EXPECT_EQ(environ.find("glibc.malloc.hugetlb=1"), std::string::npos);
  }
  if (before != nullptr) ::setenv("GLIBC_TUNABLES", saved.c_str(), 1);
  else ::unsetenv("GLIBC_TUNABLES");
}

TEST(Operations, ABrokenConfigIsRefusedWithEveryErrorAndTheOldOneKeepsServing) {
  DemoPortal demo;
  Portico portico(tenants("Still here", false), demo.address());
  // Two mistakes: both are reported.
  rewrite_config(portico, "name = \"Acme\"", "name = \"Acme\"\nshow_salesorders = true\ncanonical_host = \"sideways\"");
  auto refused = portico.reload();
  EXPECT_GE(refused.result_int(), 400u);
  // Every problem, each as file:line:col.
  EXPECT_NE(refused.body().find("portico.toml:"), std::string::npos) << refused.body();
  EXPECT_NE(refused.body().find("show_salesorders"), std::string::npos) << refused.body();
  EXPECT_NE(refused.body().find("canonical_host"), std::string::npos) << refused.body();
  EXPECT_TRUE(portico.process().wait_for_line("reload refused"));
  auto home = http_request(portico.http_port(), "GET", "/", acme);
  EXPECT_EQ(home.result_int(), 200u);
  EXPECT_NE(home.body().find("Still here"), std::string::npos);
  auto exposition = metrics(portico);
  EXPECT_EQ(metric_sample(exposition, "portico_reloads_total{result=\"failed\"}"), 1);
  EXPECT_EQ(metric_sample(exposition, "portico_config_last_reload_successful"), 0);
}

TEST(Operations, TwentyReloadsUnderFourKeepAliveClientsFailNoRequest) {
  DemoPortal demo;
  Portico portico(tenants("Banner 0", true), demo.address());
  std::atomic<bool> stop{false};
  std::atomic<long> ok{0};
  std::atomic<long> failed{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      try {
        Client client(portico.http_port());
        while (!stop.load()) {
          auto response = client.request("GET", i % 2 == 0 ? "/invoices" : "/", i < 2 ? acme : globex);
          (response.result_int() == 200 ? ok : failed)++;
        }
      } catch (const std::exception&) {
        failed++;  // a dropped connection is a failure too
      }
    });
  }
  for (int round = 1; round <= 20; ++round) {
    rewrite_config(portico, "Banner " + std::to_string(round - 1), "Banner " + std::to_string(round));
    auto applied = portico.reload();
    EXPECT_EQ(applied.result_int(), 200u) << applied.body();
  }
  // Every client keeps going on the last snapshot for a few more requests.
  long after_reloads = ok.load();
  while (ok.load() < after_reloads + 40 && failed.load() == 0) {
  }
  stop = true;
  for (auto& client : clients) client.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 40);
  EXPECT_NE(http_request(portico.http_port(), "GET", "/", acme).body().find("Banner 20"), std::string::npos);
  EXPECT_EQ(metric_sample(metrics(portico), "portico_reloads_total{result=\"ok\"}"), 20);
}

TEST(Operations, MetricsPassPromtoolAndCountTraffic) {
  DemoPortal demo;
  Portico portico(tenants("b", true), demo.address());
  auto before = metrics(portico);
  const std::string proxied = "portico_requests_total{class=\"2xx\",outcome=\"proxied\"}";
  const std::string unknown = "portico_requests_total{class=\"4xx\",outcome=\"unknown_host\"}";
  double proxied_before = metric_sample(before, proxied);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(http_request(portico.http_port(), "GET", "/invoices", acme).result_int(), 200u);
  for (int i = 0; i < 3; ++i) http_request(portico.http_port(), "GET", "/", "nobody.example");
  EXPECT_EQ(http_request(portico.http_port(), "GET", "/", "acme-old.portal.localhost").result_int(), 308u);
  // A request is counted once its answer is written, so a fast client can scrape first.
  const std::string finished = "portico_request_duration_seconds_count";
  const double finished_before = metric_sample(before, finished);
  ASSERT_TRUE(eventually([&] { return metric_sample(metrics(portico), finished) == finished_before + 11; }, 10s));
  auto after = metrics(portico);
  EXPECT_EQ(metric_sample(after, proxied) - proxied_before, 7);
  EXPECT_EQ(metric_sample(after, unknown), 3);
  EXPECT_EQ(metric_sample(after, "portico_requests_total{class=\"3xx\",outcome=\"redirected\"}"), 1);
  // A tenant gets its own series at the first scrape that finds it among the busiest; what
  // it counted before stays in "other" (no series ever goes down).
  EXPECT_EQ(metric_sample(after, "portico_tenant_requests_total{org_id=\"7001\"}"), 0);
  EXPECT_EQ(metric_sample(after, "portico_tenant_requests_total{org_id=\"other\"}"), 8);
  for (int i = 0; i < 5; ++i) http_request(portico.http_port(), "GET", "/invoices", acme);
  ASSERT_TRUE(eventually([&] { return metric_sample(metrics(portico), finished) == finished_before + 16; }, 10s));
  EXPECT_EQ(metric_sample(metrics(portico), "portico_tenant_requests_total{org_id=\"7001\"}"), 5);
  EXPECT_EQ(metric_sample(after, "portico_upstream_server_up{server=\"" + demo.address() + "\"}"), 1);
  EXPECT_EQ(metric_sample(after, "portico_connections_refused_total{reason=\"max_connections\"}"), 0);

  TempDir dir;
  auto file = dir.write("metrics.txt", after);
  std::string command = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char chunk[512];
  while (std::size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
  int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << "promtool check metrics:\n" << output;
}

TEST(Operations, RandomHostNamesAddNoSeries) {
  DemoPortal demo;
  Portico portico(tenants("b", true), demo.address());
  http_request(portico.http_port(), "GET", "/", acme);
  http_request(portico.http_port(), "GET", "/", "first-random.example");
  auto before = series_count(metrics(portico));
  for (int i = 0; i < 200; ++i) {
    auto response = http_request(portico.http_port(), "GET", "/", "random-" + std::to_string(i) + ".example");
    EXPECT_EQ(response.result_int(), 404u);
  }
  auto after = metrics(portico);
  EXPECT_EQ(series_count(after), before);
  EXPECT_EQ(after.find("random-"), std::string::npos);
}

TEST(Operations, AdminEndpoints) {
  DemoPortal demo;
  PorticoSetup setup;
  setup.config_body = tenants("b", true);
  setup.upstreams = {demo.address()};
  setup.extra_admin = "token_file = \"admin.token\"\n";
  setup.files = {{"admin.token", "s3cret-admin-token\n"}};
  Portico portico(setup);
  auto port = portico.admin_port();
  EXPECT_EQ(http_request(port, "GET", "/healthz", "127.0.0.1").result_int(), 200u);
  EXPECT_EQ(http_request(port, "GET", "/readyz", "127.0.0.1").result_int(), 401u);
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer s3cret-admin-token"}};
  EXPECT_EQ(http_request(port, "GET", "/readyz", "127.0.0.1", auth).result_int(), 200u);
  EXPECT_EQ(http_request(port, "GET", "/metrics", "127.0.0.1", {{"Authorization", "Bearer nope"}}).result_int(), 401u);

  auto resolved = http_request(port, "GET", "/resolve?host=Billing.Acme.Test", "127.0.0.1", auth);
  ASSERT_EQ(resolved.result_int(), 200u) << resolved.body();
  auto report = boost::json::parse(resolved.body()).as_object();
  EXPECT_EQ(report.at("org_id").as_string(), "7001");
  EXPECT_EQ(report.at("match").as_string(), "custom_domain");
  EXPECT_EQ(report.at("host").as_string(), "billing.acme.test");
  auto previous = boost::json::parse(
      http_request(port, "GET", "/resolve?host=acme-old.portal.localhost", "127.0.0.1", auth).body());
  EXPECT_EQ(previous.at("match").as_string(), "previous_name");
  EXPECT_EQ(http_request(port, "GET", "/resolve?host=nobody.example", "127.0.0.1", auth).result_int(), 404u);
}

TEST(Operations, DrainAnswersReadyz503AndLetsTheSlowRequestFinish) {
  DemoPortal demo;
  Portico portico(tenants("b", false), demo.address());
  auto admin = portico.admin_port();
  EXPECT_EQ(http_request(admin, "GET", "/readyz", "127.0.0.1").result_int(), 200u);
  Client idle(portico.http_port());
  EXPECT_EQ(idle.request("GET", "/", acme).result_int(), 200u);  // then idle keep-alive
  Client slow(portico.http_port());
  slow.send_raw("GET /invoices?delay_ms=1500 HTTP/1.1\r\nHost: " + acme + "\r\n\r\n");
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (demo.open_connections() < 2 && std::chrono::steady_clock::now() < deadline) {
  }
  Client admin_client(admin);  // connected before the drain starts
  portico.process().send_signal(SIGTERM);
  ASSERT_TRUE(portico.process().wait_for_line("\"msg\":\"draining\""));
  EXPECT_EQ(admin_client.request("GET", "/readyz", "127.0.0.1").result_int(), 503u);
  EXPECT_TRUE(idle.closed_by_peer());  // idle keep-alive connections are closed at once
  auto response = slow.read_response();
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(portico.process().wait_exit(), 0);
}

TEST(Operations, AccessLogLinesAreJsonAndTheFileReopensOnSigusr1) {
  DemoPortal demo;
  TempDir logs;
  PorticoSetup setup;
  setup.config_body = tenants("b", false);
  setup.upstreams = {demo.address()};
  setup.access_log = (logs.path() / "access.log").string();
  Portico portico(setup);
  EXPECT_EQ(http_request(portico.http_port(), "POST", "/upload", acme, {}, std::string(1000, 'x')).result_int(), 200u);
  EXPECT_EQ(http_request(portico.http_port(), "GET", "/", "nobody.example").result_int(), 404u);

  auto read_lines = [](const std::filesystem::path& path, std::size_t wanted,
                       std::chrono::milliseconds timeout = 10s) {
    std::vector<std::string> lines;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (lines.size() < wanted && std::chrono::steady_clock::now() < deadline) {
      lines.clear();
      std::ifstream in(path);
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    return lines;
  };
  auto lines = read_lines(logs.path() / "access.log", 2);
  ASSERT_EQ(lines.size(), 2u);
  auto upload = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(upload.at("org_id").as_string(), "7001");
  EXPECT_EQ(upload.at("host").as_string(), acme);
  EXPECT_EQ(upload.at("method").as_string(), "POST");
  EXPECT_EQ(upload.at("path").as_string(), "/upload");
  EXPECT_EQ(upload.at("status").as_int64(), 200);
  EXPECT_EQ(upload.at("bytes_in").as_int64(), 1000);
  EXPECT_GT(upload.at("bytes_out").as_int64(), 0);
  EXPECT_EQ(upload.at("outcome").as_string(), "proxied");
  EXPECT_FALSE(upload.at("request_id").as_string().empty());
  EXPECT_TRUE(upload.at("upstream_ms").is_number()) << lines[0];
  EXPECT_TRUE(upload.at("total_ms").is_number()) << lines[0];
  auto unknown = boost::json::parse(lines[1]).as_object();
  EXPECT_EQ(unknown.at("status").as_int64(), 404);
  EXPECT_EQ(unknown.at("outcome").as_string(), "unknown_host");
  EXPECT_TRUE(unknown.at("upstream_ms").is_null());  // never forwarded

  // logrotate: rename, SIGUSR1, and the next lines go to a new file of the old name.
  std::filesystem::rename(logs.path() / "access.log", logs.path() / "access.log.1");
  portico.process().send_signal(SIGUSR1);
  // Portico reopens when it gets to the signal: the lines of requests answered before that
  // still go to the renamed file, so requests go on until one lands in the new file.
  std::vector<std::string> fresh;
  ASSERT_TRUE(eventually([&] {
    http_request(portico.http_port(), "GET", "/invoices", acme);
    fresh = read_lines(logs.path() / "access.log", 1, 200ms);
    return !fresh.empty();
  }, 10s));
  EXPECT_EQ(boost::json::parse(fresh[0]).at("path").as_string(), "/invoices");
}

TEST(Operations, WithTwoUpstreamsAndOneKilledRequestsKeepSucceeding) {
  DemoPortal first;
  DemoPortal second;
  PorticoSetup setup;
  setup.config_body = tenants("b", false);
  setup.upstreams = {first.address(), second.address()};
  setup.extra_upstream = "health_path = \"/healthz\"\nhealth_interval = \"200ms\"\n";
  Portico portico(setup);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(http_request(portico.http_port(), "GET", "/invoices", acme).result_int(), 200u);
  first.process().send_signal(SIGKILL);
  first.process().wait_exit();
  for (int i = 0; i < 50; ++i) {
    auto response = http_request(portico.http_port(), "GET", "/invoices", acme);
    EXPECT_EQ(response.result_int(), 200u) << "request " << i;
  }
  // The active check notices too, and says so in /metrics.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  double up = 1;
  while (up != 0 && std::chrono::steady_clock::now() < deadline) {
    up = metric_sample(metrics(portico), "portico_upstream_server_up{server=\"" + first.address() + "\"}");
  }
  EXPECT_EQ(up, 0);
  EXPECT_EQ(metric_sample(metrics(portico), "portico_upstream_server_up{server=\"" + second.address() + "\"}"), 1);
}

TEST(Operations, NoHealthyUpstreamIs503WithRetryAfterAndRecovers) {
  auto port = unused_port();
  std::string address = "127.0.0.1:" + std::to_string(port);
  PorticoSetup setup;
  setup.config_body = tenants("b", false);
  setup.upstreams = {address};
  setup.extra_upstream = "health_path = \"/healthz\"\nhealth_interval = \"200ms\"\n";
  Portico portico(setup);
  // The first request may still try (502); once the server is out, Portico answers 503.
  Response answer;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    answer = http_request(portico.http_port(), "GET", "/invoices", acme);
  } while (answer.result_int() != 503 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(answer.result_int(), 503u);
  EXPECT_FALSE(answer[boost::beast::http::field::retry_after].empty());

  DemoPortal revived("127.0.0.1:" + std::to_string(port));
  deadline = std::chrono::steady_clock::now() + 5s;
  do {
    answer = http_request(portico.http_port(), "GET", "/invoices", acme);
  } while (answer.result_int() != 200 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(answer.result_int(), 200u);
}

}  // namespace
}  // namespace portico::testing
