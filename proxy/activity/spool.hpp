// activity/spool: the write side of the spool, called from request threads. One write(2)
// of one whole line on an O_APPEND fd per event; no fsync, no waiting on delivery.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "proxy/activity/counters.hpp"
#include "proxy/activity/spool_files.hpp"

namespace portico::activity {

struct SpoolLimits {
  std::uint64_t max_spool_bytes = 256ull * 1024 * 1024;
  std::uint64_t segment_bytes = 0;  // rotate after this many bytes; 0 = derived (see open)
};

class ActivitySpool {
 public:
  // Creates `dir` if needed, takes its lock, counts the existing segments into
  // counters.spool_bytes and opens a new segment (never appends to an old one: its tail may
  // be torn by a crash). Segment size 0 = max_spool_bytes / 8 clamped to 64KiB-8MiB.
  // nullptr with `error` set when the directory is unusable or locked.
  static std::unique_ptr<ActivitySpool> open(const std::string& dir, SpoolLimits limits,
                                             ActivityCounters& counters, std::string& error);
  ActivitySpool(const ActivitySpool&) = delete;
  ActivitySpool& operator=(const ActivitySpool&) = delete;
  ~ActivitySpool();

  // Appends one line (`line` must end in '\n' and hold no other newline). Thread-safe;
  // concurrent lines never interleave. False, counted and logged (at most once per 10 s),
  // when the spool is over max_spool_bytes or the write fails.
  bool append(std::string_view line);

  // The segment appends go to. A segment below it is complete: nothing is appended to it
  // any more.
  std::uint64_t current_segment() const noexcept {
    return segment_.load(std::memory_order_acquire);
  }
  // The first segment of this run; older ones come from previous runs.
  std::uint64_t first_segment() const noexcept { return first_segment_; }
  const std::string& dir() const noexcept { return dir_; }

 private:
  ActivitySpool(std::string dir, SpoolLimits limits, ActivityCounters& counters);
  void rotate(std::uint64_t full_segment);
  void warn_dropped(const char* why);

  std::string dir_;
  SpoolLimits limits_;
  ActivityCounters& counters_;
  SpoolLock lock_;
  // Appends hold it shared (the write itself runs in parallel; O_APPEND orders the lines);
  // rotation holds it exclusively for the fd swap only, so a line never lands in a segment
  // the delivery thread already considers complete.
  std::shared_mutex fd_mutex_;
  int fd_ = -1;
  std::atomic<std::uint64_t> segment_{0};
  std::atomic<std::uint64_t> segment_bytes_{0};
  std::uint64_t first_segment_ = 0;
  std::atomic<std::int64_t> last_warning_ms_{0};
};

}  // namespace portico::activity
