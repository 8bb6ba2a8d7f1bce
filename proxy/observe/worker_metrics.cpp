// observe/worker_metrics: per-worker counters. The request path only does relaxed
// fetch_adds; the one lock here is taken once per snapshot generation and once per scrape.
#include "proxy/observe/worker_metrics.hpp"

#include <functional>

#include "proxy/config/snapshot.hpp"

namespace portico::observe {

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::proxied: return "proxied";
    case Outcome::redirected: return "redirected";
    case Outcome::blocked: return "blocked";
    case Outcome::unknown_host: return "unknown_host";
    case Outcome::misdirected: return "misdirected";
    case Outcome::bad_request: return "bad_request";
    case Outcome::upstream_error: return "upstream_error";
    case Outcome::local: return "local";
  }
  return "local";
}

std::string_view status_class_label(std::size_t index) noexcept {
  static constexpr std::array<std::string_view, status_class_count> labels{"1xx", "2xx", "3xx", "4xx",
                                                                           "5xx"};
  return index < labels.size() ? labels[index] : "5xx";
}

std::size_t status_class_index(unsigned status) noexcept {
  if (status < 100 || status > 599) return 4;
  return status / 100 - 1;
}

void LatencyHistogram::observe(std::chrono::nanoseconds elapsed) noexcept {
  auto ns = elapsed.count() < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(elapsed.count());
  double seconds = static_cast<double>(ns) / 1e9;
  std::size_t bucket = 0;
  while (bucket < latency_buckets_seconds.size() && seconds > latency_buckets_seconds[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
}

std::array<std::uint64_t, latency_buckets_seconds.size() + 1> LatencyHistogram::counts() const noexcept {
  std::array<std::uint64_t, latency_buckets_seconds.size() + 1> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

void WorkerMetrics::count_tenant_request(const config::Snapshot& snapshot,
                                         const tenants::Tenant& tenant) noexcept {
  count_tenant_request(snapshot.generation, tenant);
}

void WorkerMetrics::count_tenant_request(std::uint64_t generation, const tenants::Tenant& tenant) noexcept {
  if (current_ == nullptr) {
    unattributed_.inc();
    return;
  }
  const tenants::HostTable& hosts = *current_->hosts;
  // Older than the table being counted: the same org in it (rare: requests that were running
  // when a reload was published; one hash probe each).
  const tenants::Tenant* counted =
      generation == current_->generation ? &tenant : hosts.find_by_org_id(tenant.org_id);
  const auto& all = hosts.tenants();
  std::less<const tenants::Tenant*> before;
  if (counted == nullptr || before(counted, all.data()) || !before(counted, all.data() + all.size())) {
    unattributed_.inc();  // an org the reload removed (or a caller bug, but never a crash)
    return;
  }
  current_->counts[static_cast<std::size_t>(counted - all.data())].fetch_add(1, std::memory_order_relaxed);
}

void WorkerMetrics::on_snapshot(const std::shared_ptr<const config::Snapshot>& snapshot) {
  if (snapshot == nullptr) return;
  // Aliasing: the block keeps the snapshot alive only as long as it needs its org_ids.
  on_snapshot(snapshot->generation, std::shared_ptr<const tenants::HostTable>(snapshot, &snapshot->hosts));
}

void WorkerMetrics::on_snapshot(std::uint64_t generation, std::shared_ptr<const tenants::HostTable> hosts) {
  if (hosts == nullptr || (current_ != nullptr && current_->generation == generation)) return;
  auto block = std::make_shared<TenantBlock>();
  block->generation = generation;
  block->size = hosts->tenants().size();
  block->counts.reset(new std::atomic<std::uint64_t>[block->size]());
  block->hosts = std::move(hosts);

  std::lock_guard lock(blocks_mutex_);
  if (current_owner_ != nullptr) retired_.push_back(std::move(current_owner_));
  current_owner_ = std::move(block);
  current_ = current_owner_.get();
}

void WorkerMetrics::tenant_blocks(std::vector<std::shared_ptr<const TenantBlock>>& live,
                                  std::vector<std::shared_ptr<const TenantBlock>>& retired) {
  std::lock_guard lock(blocks_mutex_);
  if (current_owner_ != nullptr) live.push_back(current_owner_);
  for (auto& block : retired_) retired.push_back(std::move(block));
  retired_.clear();
}

}  // namespace portico::observe
