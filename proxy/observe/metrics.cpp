// observe/metrics: sums the workers' blocks into Prometheus families at scrape time.
// Only the scrape and the control thread take the registry's mutex; workers never do.
#include "proxy/observe/metrics.hpp"

#include <algorithm>
#include <array>
#include <span>

#ifndef PORTICO_VERSION
#define PORTICO_VERSION "unknown"
#endif

namespace portico::observe {
namespace {

constexpr std::string_view other_org_id = "other";

double to_unix_seconds(std::chrono::system_clock::time_point when) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  return static_cast<double>(ms) / 1000.0;
}

template <class Read>
std::uint64_t sum_over(const std::vector<std::unique_ptr<WorkerMetrics>>& workers, Read read) {
  std::uint64_t total = 0;
  for (const auto& worker : workers) total += read(*worker);
  return total;
}

void write_histogram(PrometheusWriter& writer, std::string_view name, std::string_view help,
                     const std::vector<std::unique_ptr<WorkerMetrics>>& workers,
                     const LatencyHistogram WorkerMetrics::*member) {
  std::array<std::uint64_t, latency_buckets_seconds.size() + 1> counts{};
  std::uint64_t sum_ns = 0;
  for (const auto& worker : workers) {
    const LatencyHistogram& histogram = (*worker).*member;
    auto worker_counts = histogram.counts();
    for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += worker_counts[i];
    sum_ns += histogram.sum_nanoseconds();
  }
  writer.family(name, "histogram", help);
  writer.histogram(name, {},
                   HistogramValues{latency_buckets_seconds, counts, static_cast<double>(sum_ns) / 1e9});
}

}  // namespace

MetricsRegistry::MetricsRegistry(std::size_t tenant_series_limit) : tenant_series_limit_(tenant_series_limit) {}

WorkerMetrics& MetricsRegistry::add_worker() {
  std::lock_guard lock(mutex_);
  workers_.push_back(std::make_unique<WorkerMetrics>());
  return *workers_.back();
}

void MetricsRegistry::add_collector(std::function<void(PrometheusWriter&)> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

void MetricsRegistry::record_reload(bool ok, std::chrono::system_clock::time_point when) {
  std::lock_guard lock(mutex_);
  last_reload_ok_ = ok;
  if (ok) {
    ++reloads_ok_;
    last_success_seconds_ = to_unix_seconds(when);
  } else {
    ++reloads_failed_;
  }
}

void MetricsRegistry::mark_config_loaded(std::chrono::system_clock::time_point when) {
  std::lock_guard lock(mutex_);
  last_reload_ok_ = true;
  last_success_seconds_ = to_unix_seconds(when);
}

std::string MetricsRegistry::render() {
  std::lock_guard lock(mutex_);
  PrometheusWriter writer;
  writer.family("portico_build_info", "gauge", "Always 1; the version label says which Portico is running.");
  writer.sample("portico_build_info", {{"version", PORTICO_VERSION}}, std::uint64_t{1});
  write_requests(writer);
  write_latency(writer);
  write_upstream_and_connections(writer);
  write_reloads(writer);
  write_tenants(writer);
  for (const auto& collector : collectors_) collector(writer);
  return writer.take();
}

void MetricsRegistry::write_requests(PrometheusWriter& writer) const {
  writer.family("portico_requests_total", "counter", "Requests answered, by status class and by how they ended.");
  for (std::size_t klass = 0; klass < status_class_count; ++klass) {
    for (std::size_t o = 0; o < outcome_count; ++o) {
      auto outcome = static_cast<Outcome>(o);
      auto total = sum_over(workers_, [&](const WorkerMetrics& w) { return w.requests(klass, outcome); });
      writer.sample("portico_requests_total",
                    {{"class", status_class_label(klass)}, {"outcome", to_string(outcome)}}, total);
    }
  }
}

void MetricsRegistry::write_latency(PrometheusWriter& writer) const {
  write_histogram(writer, "portico_request_duration_seconds",
                  "Time from the first byte of a request to the last byte of its response.", workers_,
                  &WorkerMetrics::request_duration);
  write_histogram(writer, "portico_upstream_duration_seconds",
                  "Time from sending a request upstream to receiving the upstream's response head.",
                  workers_, &WorkerMetrics::upstream_duration);
}

void MetricsRegistry::write_upstream_and_connections(PrometheusWriter& writer) const {
  struct CounterFamily {
    std::string_view name;
    std::string_view help;
    const Counter WorkerMetrics::*member;
  };
  static constexpr CounterFamily families[] = {
      {"portico_upstream_connect_errors_total", "Failed attempts to connect to an upstream server.",
       &WorkerMetrics::upstream_connect_errors},
      {"portico_upstream_timeouts_total", "Upstream connects or responses that timed out.",
       &WorkerMetrics::upstream_timeouts},
      {"portico_upstream_retries_total", "Requests sent again on another upstream connection.",
       &WorkerMetrics::upstream_retries},
      {"portico_connections_total", "Client connections accepted.", &WorkerMetrics::connections},
  };
  for (const auto& family : families) {
    writer.family(family.name, "counter", family.help);
    writer.sample(family.name, {},
                  sum_over(workers_, [&](const WorkerMetrics& w) { return (w.*family.member).get(); }));
  }
  // One reason today; the label leaves room for others (rate limits, drain).
  writer.family("portico_connections_refused_total", "counter",
                "Client connections accepted and closed at once, by reason.");
  writer.sample("portico_connections_refused_total", {{"reason", "max_connections"}},
                sum_over(workers_, [](const WorkerMetrics& w) { return w.connections_refused.get(); }));
  std::int64_t open = 0;
  for (const auto& worker : workers_) open += worker->open_connections();
  writer.family("portico_open_connections", "gauge", "Client connections open now.");
  writer.sample("portico_open_connections", {}, open);
}

void MetricsRegistry::write_reloads(PrometheusWriter& writer) const {
  writer.family("portico_reloads_total", "counter", "Configuration reloads (SIGHUP or POST /reload), by result.");
  writer.sample("portico_reloads_total", {{"result", "ok"}}, reloads_ok_);
  writer.sample("portico_reloads_total", {{"result", "failed"}}, reloads_failed_);
  writer.family("portico_config_last_reload_success_timestamp_seconds", "gauge",
                "Unix time of the last successful configuration load (start-up or reload).");
  writer.sample("portico_config_last_reload_success_timestamp_seconds", {}, last_success_seconds_);
  writer.family("portico_config_last_reload_successful", "gauge",
                "1 if the last reload was applied, 0 if it was refused.");
  writer.sample("portico_config_last_reload_successful", {}, std::uint64_t{last_reload_ok_ ? 1u : 0u});
}

namespace {

void add_block(std::unordered_map<std::string, std::uint64_t>& into, const TenantBlock& block) {
  const auto& tenants = block.hosts->tenants();
  for (std::size_t i = 0; i < block.size && i < tenants.size(); ++i) {
    auto count = block.counts[i].load(std::memory_order_relaxed);
    if (count != 0) into[tenants[i].org_id] += count;
  }
}

}  // namespace

void MetricsRegistry::fold_retired_tenant_blocks() {
  std::vector<std::shared_ptr<const TenantBlock>> live;
  std::vector<std::shared_ptr<const TenantBlock>> retired;
  std::lock_guard lock(mutex_);
  for (const auto& worker : workers_) worker->tenant_blocks(live, retired);
  for (const auto& block : retired) add_block(retired_totals_, *block);
}

std::unordered_map<std::string, std::uint64_t> MetricsRegistry::tenant_totals(std::uint64_t& unattributed) {
  std::vector<std::shared_ptr<const TenantBlock>> live;
  std::vector<std::shared_ptr<const TenantBlock>> retired;
  unattributed = 0;
  for (const auto& worker : workers_) {
    worker->tenant_blocks(live, retired);
    unattributed += worker->unattributed_tenant_requests();
  }
  for (const auto& block : retired) add_block(retired_totals_, *block);
  auto totals = retired_totals_;
  for (const auto& block : live) add_block(totals, *block);
  return totals;
}

// Bounded cardinality: the busiest N org_ids (by requests since start) get their own series,
// the rest are summed into org_id="other". Every series stays monotonic: an org_id promoted
// after the first scrape starts its own series from 0 while what it had counted stays in
// "other"; one demoted leaves "other" where it was (its own series just stops).
void MetricsRegistry::update_promoted(std::unordered_map<std::string, std::uint64_t>& totals) {
  std::vector<std::pair<std::string_view, std::uint64_t>> ranked;
  ranked.reserve(totals.size());
  for (const auto& [org_id, count] : totals) {
    if (org_id != other_org_id) ranked.emplace_back(org_id, count);
  }
  auto busier = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  std::size_t keep = std::min(tenant_series_limit_, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(), busier);
  ranked.resize(keep);

  for (auto it = promoted_.begin(); it != promoted_.end();) {
    bool wanted = std::any_of(ranked.begin(), ranked.end(), [&](const auto& r) { return r.first == it->first; });
    if (wanted) {
      ++it;
    } else {
      other_adjustment_ += totals[it->first] - it->second;
      it = promoted_.erase(it);
    }
  }
  // Before the first scrape nothing was exposed, so a tenant's series can show all it counted.
  for (const auto& [org_id, count] : ranked) promoted_.try_emplace(std::string(org_id), scraped_ ? count : 0);
  scraped_ = true;
}

void MetricsRegistry::write_tenants(PrometheusWriter& writer) {
  std::uint64_t unattributed = 0;
  auto totals = tenant_totals(unattributed);
  update_promoted(totals);

  std::uint64_t other = unattributed;
  for (const auto& [org_id, count] : totals) {
    auto promoted = promoted_.find(org_id);
    other += promoted == promoted_.end() ? count : promoted->second;
  }
  other -= other_adjustment_;

  std::vector<std::pair<std::string_view, std::uint64_t>> series;
  series.reserve(promoted_.size());
  for (const auto& [org_id, offset] : promoted_) series.emplace_back(org_id, totals[org_id] - offset);
  std::sort(series.begin(), series.end());
  writer.family("portico_tenant_requests_total", "counter",
                "Requests per tenant: the busiest org_ids since start, the rest summed as org_id=\"other\".");
  for (const auto& [org_id, count] : series) {
    writer.sample("portico_tenant_requests_total", {{"org_id", org_id}}, count);
  }
  writer.sample("portico_tenant_requests_total", {{"org_id", other_org_id}}, other);
}

}  // namespace portico::observe
