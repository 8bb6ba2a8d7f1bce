// observe/worker_metrics: the counters one worker thread bumps on the request path. Only
// that worker writes them (relaxed atomics, no locks); the registry reads them at scrape time.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "proxy/tenants/host_table.hpp"

namespace portico::config {
struct Snapshot;
}

namespace portico::observe {

// How a request ended: a small fixed set, so it can be a label.
enum class Outcome : std::uint8_t {
  proxied,         // the upstream answered (any status)
  redirected,      // Portico answered 308 (previous name, canonical host, http -> https)
  blocked,         // a feature gate the tenant has not enabled
  unknown_host,    // no tenant at that host (404)
  misdirected,     // SNI and Host name different tenants (421)
  bad_request,     // malformed request, bad host or ambiguous path (400, 408, 413, 431, ...)
  upstream_error,  // connect failure, timeout or broken upstream (502, 503, 504)
  local,           // anything else Portico answered itself
};
inline constexpr std::size_t outcome_count = 8;
std::string_view to_string(Outcome outcome) noexcept;

// Status classes 1xx..5xx (1xx: a relayed 101 Switching Protocols).
inline constexpr std::size_t status_class_count = 5;
std::string_view status_class_label(std::size_t index) noexcept;  // "1xx" .. "5xx"
// Index into the class dimension; statuses outside 100..599 count as 5xx.
std::size_t status_class_index(unsigned status) noexcept;

struct Counter {
  std::atomic<std::uint64_t> value{0};
  void inc(std::uint64_t by = 1) noexcept { value.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

// Fixed buckets from 0.5 ms to 10 s, shared by both latency histograms.
inline constexpr std::array<double, 14> latency_buckets_seconds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

class LatencyHistogram {
 public:
  void observe(std::chrono::nanoseconds elapsed) noexcept;
  // Per-bucket (not cumulative) counts, the last one above every bound.
  std::array<std::uint64_t, latency_buckets_seconds.size() + 1> counts() const noexcept;
  std::uint64_t sum_nanoseconds() const noexcept { return sum_ns_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint64_t>, latency_buckets_seconds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

// Per-tenant request counts of one worker, indexed like HostTable::tenants() of one
// snapshot generation. The worker writes `counts`; the registry reads them.
struct TenantBlock {
  std::uint64_t generation = 0;
  std::shared_ptr<const tenants::HostTable> hosts;  // names the indices (org_id)
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts;
  std::size_t size = 0;
};

class WorkerMetrics {
 public:
  // ---- request path: worker thread only, lock-free ----
  void count_request(unsigned status, Outcome outcome) noexcept {
    requests_[status_class_index(status)][static_cast<std::size_t>(outcome)].inc();
  }
  // Counts a request of `tenant`, which must belong to the snapshot of `generation`. A
  // request that started on an older snapshot (a reload happened meanwhile) lands on the
  // tenant with the same org_id in the current one; one whose org the reload removed counts
  // as "other".
  void count_tenant_request(const config::Snapshot& snapshot, const tenants::Tenant& tenant) noexcept;
  void count_tenant_request(std::uint64_t generation, const tenants::Tenant& tenant) noexcept;

  LatencyHistogram request_duration;
  LatencyHistogram upstream_duration;  // until the upstream's response head arrived
  Counter upstream_connect_errors;
  Counter upstream_timeouts;
  Counter upstream_retries;
  Counter connections;  // accepted, ever
  Counter connections_refused;  // accepted and closed at once: [limits] max_connections reached
  void connection_opened() noexcept {
    connections.inc();
    open_connections_.fetch_add(1, std::memory_order_relaxed);
  }
  void connection_closed() noexcept { open_connections_.fetch_sub(1, std::memory_order_relaxed); }

  // ---- worker thread, once per snapshot generation it sees (not per request) ----
  // Starts counting tenants of this snapshot; a no-op when the generation is already current.
  // Allocates one counter per tenant and takes a short lock shared with the scraper. The
  // block of the older snapshot is retired at once (nothing writes it again), so the
  // registry's next fold lets go of that snapshot.
  void on_snapshot(const std::shared_ptr<const config::Snapshot>& snapshot);
  void on_snapshot(std::uint64_t generation, std::shared_ptr<const tenants::HostTable> hosts);

  // ---- scrape side (any thread) ----
  std::uint64_t requests(std::size_t status_class, Outcome outcome) const noexcept {
    return requests_[status_class][static_cast<std::size_t>(outcome)].get();
  }
  std::int64_t open_connections() const noexcept { return open_connections_.load(std::memory_order_relaxed); }
  std::uint64_t unattributed_tenant_requests() const noexcept { return unattributed_.get(); }
  // The block still being counted into, and hands over the blocks this worker no longer
  // touches, for the registry to fold into its running totals.
  void tenant_blocks(std::vector<std::shared_ptr<const TenantBlock>>& live,
                     std::vector<std::shared_ptr<const TenantBlock>>& retired);

 private:
  std::array<std::array<Counter, outcome_count>, status_class_count> requests_{};
  std::atomic<std::int64_t> open_connections_{0};
  Counter unattributed_;

  // Worker-thread view; a raw pointer so the hot path does not touch shared_ptr counts.
  TenantBlock* current_ = nullptr;
  std::mutex blocks_mutex_;  // guards the two below against the scraper
  std::shared_ptr<TenantBlock> current_owner_;
  std::vector<std::shared_ptr<const TenantBlock>> retired_;
};

}  // namespace portico::observe
