// upstream/health: availability of each upstream server, shared by all workers.
#include "proxy/upstream/health.hpp"

#include <algorithm>
#include <limits>

namespace portico::upstream {
namespace {

std::int64_t ticks(HealthClock::time_point when) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
}

}  // namespace

UpstreamHealth::UpstreamHealth(const config::UpstreamSection& upstream)
    : interval_(std::max(upstream.health_interval, std::chrono::milliseconds(1))),
      active_checks_(!upstream.health_path.empty()) {
  servers_.reserve(upstream.servers.size());
  for (const auto& endpoint : upstream.servers) {
    auto server = std::make_unique<Server>();
    server->endpoint = endpoint;
    server->name = endpoint.to_string();
    servers_.push_back(std::move(server));
  }
}

bool UpstreamHealth::available(std::size_t index, HealthClock::time_point now) const noexcept {
  const Server& server = *servers_[index];
  return server.check_passed.load(std::memory_order_relaxed) &&
         server.ejected_until_ns.load(std::memory_order_relaxed) <= ticks(now);
}

std::size_t UpstreamHealth::available_count(HealthClock::time_point now) const noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < servers_.size(); ++i) count += available(i, now) ? 1 : 0;
  return count;
}

std::optional<std::size_t> UpstreamHealth::pick(std::size_t& cursor, std::uint64_t tried,
                                                HealthClock::time_point now) const noexcept {
  std::size_t count = servers_.size();
  for (std::size_t step = 0; step < count; ++step) {
    std::size_t index = cursor++ % count;
    bool skipped = index < 64 && (tried & (std::uint64_t{1} << index)) != 0;
    if (!skipped && available(index, now)) return index;
  }
  return std::nullopt;
}

bool UpstreamHealth::report_connect_failure(std::size_t index, HealthClock::time_point now) noexcept {
  Server& server = *servers_[index];
  // With active checks the checker readmits the server; without, it is tried again after
  // one interval (like nginx's fail_timeout).
  std::int64_t until = active_checks_ ? std::numeric_limits<std::int64_t>::max() : ticks(now + interval_);
  std::int64_t before = server.ejected_until_ns.exchange(until, std::memory_order_relaxed);
  return before <= ticks(now);
}

bool UpstreamHealth::record_check(std::size_t index, bool passed) noexcept {
  Server& server = *servers_[index];
  bool was_available = available(index);
  server.check_passed.store(passed, std::memory_order_relaxed);
  if (passed) server.ejected_until_ns.store(0, std::memory_order_relaxed);
  return was_available != available(index);
}

void UpstreamHealth::inherit(const UpstreamHealth& previous) noexcept {
  for (auto& server : servers_) {
    for (const auto& old : previous.servers_) {
      if (old->name != server->name) continue;
      server->check_passed.store(old->check_passed.load(std::memory_order_relaxed), std::memory_order_relaxed);
      std::int64_t ejected = old->ejected_until_ns.load(std::memory_order_relaxed);
      // An ejection that waited for a check ends with one interval when checks are turned off.
      if (ejected == std::numeric_limits<std::int64_t>::max() && !active_checks_) {
        ejected = ticks(HealthClock::now() + interval_);
      }
      server->ejected_until_ns.store(ejected, std::memory_order_relaxed);
    }
  }
}

}  // namespace portico::upstream
