// Tests for observe/metrics and observe/worker_metrics: what /metrics shows for known counts,
// summed over workers; per-tenant series bounded to the busiest N plus "other".
#include "proxy/observe/metrics.hpp"

#include "proxy/config/snapshot.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

namespace portico::observe {
namespace {

using namespace std::chrono_literals;

// The lines of one family: its # HELP line up to the next family.
std::string family_block(const std::string& text, std::string_view name) {
  std::string start = "# HELP " + std::string(name) + ' ';
  auto begin = text.find(start);
  if (begin == std::string::npos) return {};
  auto end = text.find("# HELP ", begin + start.size());
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// org_id -> value of portico_tenant_requests_total.
std::map<std::string, std::uint64_t> tenant_series(const std::string& text) {
  std::map<std::string, std::uint64_t> out;
  std::istringstream lines(family_block(text, "portico_tenant_requests_total"));
  std::string line;
  const std::string prefix = "portico_tenant_requests_total{org_id=\"";
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    auto quote = line.find('"', prefix.size());
    out[line.substr(prefix.size(), quote - prefix.size())] = std::stoull(line.substr(line.find("} ") + 2));
  }
  return out;
}

std::shared_ptr<const tenants::HostTable> host_table(int tenant_count) {
  config::Config config;
  for (int i = 0; i < tenant_count; ++i) {
    config::TenantConfig tenant;
    tenant.org_id = "org" + std::to_string(i);
    tenant.name = "Tenant Number " + std::to_string(i);
    config.tenants.push_back(tenant);
  }
  std::vector<config::Problem> problems;
  auto table = tenants::HostTable::build(config, problems);
  EXPECT_TRUE(table.has_value());
  return std::make_shared<const tenants::HostTable>(std::move(*table));
}

void count(WorkerMetrics& worker, std::uint64_t generation, const tenants::HostTable& hosts,
           std::size_t tenant, int times) {
  for (int i = 0; i < times; ++i) worker.count_tenant_request(generation, hosts.tenants()[tenant]);
}

TEST(MetricsRegistry, SumsRequestsOverWorkersByClassAndOutcome) {
  MetricsRegistry registry;
  auto& a = registry.add_worker();
  auto& b = registry.add_worker();
  a.count_request(200, Outcome::proxied);
  b.count_request(204, Outcome::proxied);
  b.count_request(308, Outcome::redirected);
  a.count_request(404, Outcome::unknown_host);
  a.count_request(101, Outcome::proxied);
  b.count_request(999, Outcome::local);  // out of range counts as 5xx
  std::string text = registry.render();
  std::string block = family_block(text, "portico_requests_total");
  EXPECT_NE(block.find("# TYPE portico_requests_total counter\n"), std::string::npos);
  EXPECT_NE(block.find("portico_requests_total{class=\"2xx\",outcome=\"proxied\"} 2\n"), std::string::npos);
  EXPECT_NE(block.find("portico_requests_total{class=\"3xx\",outcome=\"redirected\"} 1\n"), std::string::npos);
  EXPECT_NE(block.find("portico_requests_total{class=\"4xx\",outcome=\"unknown_host\"} 1\n"), std::string::npos);
  EXPECT_NE(block.find("portico_requests_total{class=\"1xx\",outcome=\"proxied\"} 1\n"), std::string::npos);
  EXPECT_NE(block.find("portico_requests_total{class=\"5xx\",outcome=\"local\"} 1\n"), std::string::npos);
  EXPECT_NE(block.find("portico_requests_total{class=\"5xx\",outcome=\"upstream_error\"} 0\n"), std::string::npos);
  // Every combination is present from the start, so rate() works before the first error.
  EXPECT_EQ(std::count(block.begin(), block.end(), '\n'), 2 + 5 * 8);
}

TEST(MetricsRegistry, RendersCountersAndGaugesExactly) {
  MetricsRegistry registry;
  auto& a = registry.add_worker();
  auto& b = registry.add_worker();
  a.upstream_connect_errors.inc(2);
  b.upstream_connect_errors.inc();
  b.upstream_timeouts.inc();
  a.connection_opened();
  a.connection_opened();
  b.connection_opened();
  a.connection_closed();
  std::string text = registry.render();
  EXPECT_EQ(family_block(text, "portico_upstream_connect_errors_total"),
            "# HELP portico_upstream_connect_errors_total Failed attempts to connect to an upstream server.\n"
            "# TYPE portico_upstream_connect_errors_total counter\n"
            "portico_upstream_connect_errors_total 3\n");
  EXPECT_EQ(family_block(text, "portico_upstream_timeouts_total"),
            "# HELP portico_upstream_timeouts_total Upstream connects or responses that timed out.\n"
            "# TYPE portico_upstream_timeouts_total counter\n"
            "portico_upstream_timeouts_total 1\n");
  EXPECT_EQ(family_block(text, "portico_connections_total"),
            "# HELP portico_connections_total Client connections accepted.\n"
            "# TYPE portico_connections_total counter\n"
            "portico_connections_total 3\n");
  EXPECT_EQ(family_block(text, "portico_open_connections"),
            "# HELP portico_open_connections Client connections open now.\n"
            "# TYPE portico_open_connections gauge\n"
            "portico_open_connections 2\n");
}

TEST(MetricsRegistry, LatencyHistogramSumsWorkersCumulatively) {
  MetricsRegistry registry;
  auto& a = registry.add_worker();
  auto& b = registry.add_worker();
  a.request_duration.observe(300us);   // <= 0.0005
  b.request_duration.observe(500us);   // exactly on a bound counts in that bucket
  a.request_duration.observe(20ms);    // <= 0.025
  b.request_duration.observe(11s);     // above every bound
  std::string block = family_block(registry.render(), "portico_request_duration_seconds");
  EXPECT_NE(block.find("# TYPE portico_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(block.find("portico_request_duration_seconds_bucket{le=\"0.0005\"} 2\n"), std::string::npos);
  EXPECT_NE(block.find("portico_request_duration_seconds_bucket{le=\"0.01\"} 2\n"), std::string::npos);
  EXPECT_NE(block.find("portico_request_duration_seconds_bucket{le=\"0.025\"} 3\n"), std::string::npos);
  EXPECT_NE(block.find("portico_request_duration_seconds_bucket{le=\"10\"} 3\n"), std::string::npos);
  EXPECT_NE(block.find("portico_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(block.find("portico_request_duration_seconds_sum 11.0208\n"), std::string::npos);
  EXPECT_NE(block.find("portico_request_duration_seconds_count 4\n"), std::string::npos);
}

TEST(MetricsRegistry, ReloadsCountedWithLastSuccessTime) {
  MetricsRegistry registry;
  registry.mark_config_loaded(std::chrono::system_clock::time_point(1000s));
  registry.record_reload(true, std::chrono::system_clock::time_point(1700000000500ms));
  registry.record_reload(false, std::chrono::system_clock::time_point(1700000100s));
  std::string text = registry.render();
  EXPECT_EQ(family_block(text, "portico_reloads_total"),
            "# HELP portico_reloads_total Configuration reloads (SIGHUP or POST /reload), by result.\n"
            "# TYPE portico_reloads_total counter\n"
            "portico_reloads_total{result=\"ok\"} 1\n"
            "portico_reloads_total{result=\"failed\"} 1\n");
  EXPECT_NE(text.find("\nportico_config_last_reload_success_timestamp_seconds 1700000000.5\n"), std::string::npos);
  EXPECT_NE(text.find("\nportico_config_last_reload_successful 0\n"), std::string::npos);
}

TEST(MetricsRegistry, CollectorsAppendTheirFamiliesAtTheEnd) {
  MetricsRegistry registry;
  registry.add_collector([](PrometheusWriter& writer) {
    writer.family("portico_activity_spool_depth", "gauge", "Events waiting.");
    writer.sample("portico_activity_spool_depth", {}, std::uint64_t{7});
  });
  std::string text = registry.render();
  std::string tail = "# HELP portico_activity_spool_depth Events waiting.\n"
                     "# TYPE portico_activity_spool_depth gauge\n"
                     "portico_activity_spool_depth 7\n";
  ASSERT_GE(text.size(), tail.size());
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
}

TEST(MetricsRegistry, EveryFamilyAppearsOnceAndSamplesFollowTheirHeader) {
  MetricsRegistry registry;
  registry.add_worker().count_request(200, Outcome::proxied);
  std::istringstream lines(registry.render());
  std::set<std::string> seen;
  std::string current;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      current = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(seen.insert(current).second) << current;
    } else if (line.rfind("#", 0) != 0) {
      EXPECT_EQ(line.rfind(current, 0), 0u) << line;
    }
  }
  EXPECT_GE(seen.size(), 12u);
}

TEST(TenantSeries, BusiestTenantsGetSeriesAndTheRestFoldIntoOther) {
  MetricsRegistry registry(2);
  auto& a = registry.add_worker();
  auto& b = registry.add_worker();
  auto hosts = host_table(4);
  a.on_snapshot(1, hosts);
  b.on_snapshot(1, hosts);
  count(a, 1, *hosts, 0, 5);
  count(b, 1, *hosts, 0, 5);  // org0: 10
  count(a, 1, *hosts, 1, 1);  // org1: 1
  count(b, 1, *hosts, 2, 7);  // org2: 7
  count(a, 1, *hosts, 3, 2);  // org3: 2
  auto series = tenant_series(registry.render());
  std::map<std::string, std::uint64_t> expected{{"org0", 10}, {"org2", 7}, {"other", 3}};
  EXPECT_EQ(series, expected);
}

TEST(TenantSeries, OtherIsAlwaysPresentAndNoTenantMeansNoSeries) {
  MetricsRegistry registry(3);
  auto& worker = registry.add_worker();
  worker.on_snapshot(1, host_table(2));
  worker.count_request(404, Outcome::unknown_host);
  auto series = tenant_series(registry.render());
  std::map<std::string, std::uint64_t> expected{{"other", 0}};
  EXPECT_EQ(series, expected);
}

TEST(TenantSeries, CountsSurviveASnapshotChangeAndStayMonotonic) {
  MetricsRegistry registry(1);
  auto& worker = registry.add_worker();
  auto first = host_table(3);
  worker.on_snapshot(1, first);
  count(worker, 1, *first, 1, 4);  // org1
  EXPECT_EQ(tenant_series(registry.render())["org1"], 4u);

  auto second = host_table(3);
  worker.on_snapshot(2, second);
  count(worker, 1, *first, 1, 1);  // a request that started on the previous snapshot
  count(worker, 2, *second, 1, 2);
  EXPECT_EQ(tenant_series(registry.render())["org1"], 7u);

  worker.on_snapshot(3, host_table(3));
  worker.on_snapshot(4, host_table(1));  // org1 removed: only org0 is left
  count(worker, 1, *first, 1, 1);        // much older, and its org is gone: counted as other
  count(worker, 2, *second, 0, 3);       // older, and its org is still there: org0
  EXPECT_EQ(worker.unattributed_tenant_requests(), 1u);
  auto series = tenant_series(registry.render());
  EXPECT_EQ(series["org1"], 7u);
  EXPECT_EQ(series["other"], 4u);  // org0's 3 (one series allowed, org1 is busier) and the 1
}

// Without any scrape, the server folds after reloads: a retired block lets go of its host
// table (and so of its whole snapshot) while its counts stay in the totals. A worker retires
// a block as soon as it moves to a newer snapshot, so a reload never builds while an older
// table than the one it replaces is still in memory.
TEST(TenantSeries, FoldingRetiredBlocksReleasesTheirHostTablesAndKeepsTheCounts) {
  MetricsRegistry registry(1);
  auto& worker = registry.add_worker();
  auto first = host_table(3);
  worker.on_snapshot(1, first);
  count(worker, 1, *first, 2, 5);  // org2
  registry.fold_retired_tenant_blocks();
  EXPECT_GT(first.use_count(), 1);  // still the worker's current table
  worker.on_snapshot(2, host_table(3));
  registry.fold_retired_tenant_blocks();
  EXPECT_EQ(first.use_count(), 1);
  EXPECT_EQ(tenant_series(registry.render())["org2"], 5u);
}

TEST(TenantSeries, PromotionAndDemotionNeverDecreaseAnySeries) {
  MetricsRegistry registry(1);
  auto& worker = registry.add_worker();
  auto hosts = host_table(2);
  worker.on_snapshot(1, hosts);
  count(worker, 1, *hosts, 0, 5);
  count(worker, 1, *hosts, 1, 3);
  auto first = tenant_series(registry.render());
  EXPECT_EQ(first, (std::map<std::string, std::uint64_t>{{"org0", 5}, {"other", 3}}));

  count(worker, 1, *hosts, 1, 4);  // org1 (7) overtakes org0 (5): org1 promoted, org0 demoted
  auto second = tenant_series(registry.render());
  EXPECT_EQ(second.count("org0"), 0u);
  EXPECT_EQ(second["org1"], 0u);    // its own series starts now; what it had stays in other
  EXPECT_GE(second["other"], first["other"]);
  EXPECT_EQ(second["other"], 7u);

  count(worker, 1, *hosts, 1, 2);
  count(worker, 1, *hosts, 0, 1);
  auto third = tenant_series(registry.render());
  EXPECT_EQ(third["org1"], 2u);
  EXPECT_EQ(third["other"], 8u);
}

TEST(TenantSeries, CountsThroughTheSnapshotOverloads) {
  MetricsRegistry registry;
  auto& worker = registry.add_worker();
  config::Config config;
  config::TenantConfig tenant;
  tenant.org_id = "60001234";
  tenant.name = "Acme Corporation";
  config.tenants.push_back(tenant);
  auto compiled = config::compile_snapshot(config, 9);
  ASSERT_TRUE(compiled.ok()) << (compiled.problems.empty() ? "" : compiled.problems[0].message);
  std::shared_ptr<const config::Snapshot> published = compiled.snapshot;
  worker.on_snapshot(published);
  worker.count_tenant_request(*published, published->hosts.tenants()[0]);
  EXPECT_EQ(tenant_series(registry.render())["60001234"], 1u);
}

}  // namespace
}  // namespace portico::observe
