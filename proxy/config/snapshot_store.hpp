// config/snapshot_store: publishes the current Snapshot to every worker. Publishing takes a
// mutex (reloads are rare); readers check a generation counter first and only touch the
// mutex when it moved, so the request path takes no lock in the steady state.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "proxy/config/snapshot.hpp"

namespace portico::config {

class SnapshotStore {
 public:
  void publish(std::shared_ptr<const Snapshot> snapshot) {
    std::lock_guard lock(mutex_);
    current_ = std::move(snapshot);
    generation_.fetch_add(1, std::memory_order_release);
  }

  std::shared_ptr<const Snapshot> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;
  std::atomic<std::uint64_t> generation_{0};
};

// One worker's view: a cached shared_ptr refreshed when the store's generation moves.
// Used by one thread only.
class SnapshotCache {
 public:
  explicit SnapshotCache(const SnapshotStore& store) : store_(store) {}

  const std::shared_ptr<const Snapshot>& get() {
    std::uint64_t generation = store_.generation();
    if (generation != seen_) {
      cached_ = store_.current();
      seen_ = generation;
    }
    return cached_;
  }

 private:
  const SnapshotStore& store_;
  std::shared_ptr<const Snapshot> cached_;
  std::uint64_t seen_ = ~std::uint64_t{0};
};

}  // namespace portico::config
