// demo_app/app_state: what all sessions of the process share: atomic counters (read by
// GET /__stats, which tests use to count upstream connection reuse) and the event store.
#pragma once

#include "tests/demo_app/events.hpp"

#include <atomic>
#include <cstdint>

namespace portico::demo {

struct Stats {
  std::atomic<std::uint64_t> accepts{0};
  std::atomic<std::uint64_t> requests{0};  // request heads parsed, /__stats itself included
  std::atomic<std::int64_t> open_connections{0};
};

struct AppState {
  Stats stats;
  EventStore events;
};

// Counts one open connection from accept until the session (or its never-started
// coroutine frame) is destroyed, so the count cannot drift.
class ConnectionGuard {
 public:
  explicit ConnectionGuard(Stats& stats) : stats_(&stats) {
    stats_->open_connections.fetch_add(1, std::memory_order_relaxed);
  }
  ConnectionGuard(ConnectionGuard&& other) noexcept : stats_(other.stats_) { other.stats_ = nullptr; }
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(ConnectionGuard&&) = delete;
  ~ConnectionGuard() {
    if (stats_ != nullptr) stats_->open_connections.fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  Stats* stats_;
};

}  // namespace portico::demo
