// observe/metrics: the metrics registry behind GET /metrics. Owns every worker's
// WorkerMetrics block and sums them at scrape time; never called on the request path.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/observe/prometheus_writer.hpp"
#include "proxy/observe/worker_metrics.hpp"

namespace portico::observe {

inline constexpr std::size_t default_tenant_series_limit = 20;

class MetricsRegistry {
 public:
  // At most `tenant_series_limit` org_id series, plus org_id="other".
  explicit MetricsRegistry(std::size_t tenant_series_limit = default_tenant_series_limit);
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // A new block for one worker thread; the registry owns it, so the reference stays valid
  // for the registry's lifetime. Call before the worker starts.
  WorkerMetrics& add_worker();

  // Another module's families (TLS, activity, access log), called on every scrape after the
  // built-in families, in the order added. Runs on the scraping thread.
  void add_collector(std::function<void(PrometheusWriter&)> collector);

  // Control thread: a reload finished. `ok` sets the last-success timestamp.
  void record_reload(bool ok, std::chrono::system_clock::time_point when = std::chrono::system_clock::now());
  // The initial config was loaded: sets the last-success timestamp without counting a reload.
  void mark_config_loaded(std::chrono::system_clock::time_point when = std::chrono::system_clock::now());

  // The whole exposition. Thread-safe; concurrent scrapes are serialized.
  std::string render();

  // Folds the per-tenant counts of blocks no worker writes any more into the running totals
  // and lets go of them, and so of the snapshots whose host tables they hold. A scrape does
  // the same; the server calls this after reloads too, or without scrapes every replaced
  // snapshot (hundreds of MB with 100,000 tenants) would stay in memory. Thread-safe.
  void fold_retired_tenant_blocks();

 private:
  void write_requests(PrometheusWriter& writer) const;
  void write_latency(PrometheusWriter& writer) const;
  void write_upstream_and_connections(PrometheusWriter& writer) const;
  void write_reloads(PrometheusWriter& writer) const;
  void write_tenants(PrometheusWriter& writer);
  void update_promoted(std::unordered_map<std::string, std::uint64_t>& totals);
  std::unordered_map<std::string, std::uint64_t> tenant_totals(std::uint64_t& unattributed);

  const std::size_t tenant_series_limit_;
  mutable std::mutex mutex_;  // serializes scrapes and guards everything below
  std::vector<std::unique_ptr<WorkerMetrics>> workers_;
  std::vector<std::function<void(PrometheusWriter&)>> collectors_;
  std::uint64_t reloads_ok_ = 0;
  std::uint64_t reloads_failed_ = 0;
  double last_success_seconds_ = 0;
  bool last_reload_ok_ = true;
  // Per-tenant folding (see write_tenants): counts of blocks no worker writes any more,
  // the org_ids that have their own series (value = count when promoted), and what has
  // been taken out of "other" so that it never goes down.
  std::unordered_map<std::string, std::uint64_t> retired_totals_;
  std::unordered_map<std::string, std::uint64_t> promoted_;
  std::uint64_t other_adjustment_ = 0;
  bool scraped_ = false;
};

}  // namespace portico::observe
