// activity/counters: what the activity pipeline did, for /metrics. Plain atomics, readable
// from any thread; written by request threads (spooled, dropped_*) and the delivery thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace portico::activity {

struct ActivityCounters {
  std::atomic<std::uint64_t> spooled{0};              // events appended to the spool
  std::atomic<std::uint64_t> dropped_spool_full{0};   // refused: spool over max_spool_bytes
  std::atomic<std::uint64_t> dropped_write_error{0};  // refused: append failed (disk full, EIO)
  std::atomic<std::uint64_t> delivered{0};            // acknowledged by the webhook (2xx)
  std::atomic<std::uint64_t> duplicates_suppressed{0};  // first_only repeats not sent
  std::atomic<std::uint64_t> corrupt_lines{0};          // unreadable spool lines skipped
  std::atomic<std::uint64_t> delivery_failures{0};      // failed POST attempts
  std::atomic<std::uint64_t> batches_delivered{0};
  std::atomic<std::uint64_t> pending{0};      // events in the spool not yet delivered
  std::atomic<std::uint64_t> spool_bytes{0};  // bytes of all segment files
};

}  // namespace portico::activity
