// activity/spool: appends event lines to the current segment and rotates segments.
// Request threads call append(): one write(2), no fsync, no waiting on delivery.
#include "proxy/activity/spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <limits>
#include <mutex>

#include "proxy/observe/log.hpp"

namespace portico::activity {
namespace {

constexpr std::int64_t warning_interval_ms = 10'000;
constexpr std::uint64_t min_segment_bytes = 64 * 1024;
constexpr std::uint64_t max_segment_bytes = 8 * 1024 * 1024;

int open_segment(const std::string& dir, std::uint64_t segment) {
  const std::string path = segment_path(dir, segment);
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ActivitySpool::ActivitySpool(std::string dir, SpoolLimits limits, ActivityCounters& counters)
    : dir_(std::move(dir)),
      limits_(limits),
      counters_(counters),
      last_warning_ms_(std::numeric_limits<std::int64_t>::min() / 2) {}

ActivitySpool::~ActivitySpool() {
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<ActivitySpool> ActivitySpool::open(const std::string& dir, SpoolLimits limits,
                                                   ActivityCounters& counters,
                                                   std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot create spool directory " + dir + ": " + ec.message();
    return nullptr;
  }
  if (limits.segment_bytes == 0) {
    limits.segment_bytes =
        std::clamp(limits.max_spool_bytes / 8, min_segment_bytes, max_segment_bytes);
  }
  std::unique_ptr<ActivitySpool> spool(new ActivitySpool(dir, limits, counters));
  if (!spool->lock_.acquire(dir, error)) return nullptr;
  const std::vector<std::uint64_t> segments = list_segments(dir);
  std::uint64_t bytes = 0;
  for (std::uint64_t segment : segments) bytes += file_size_or_zero(segment_path(dir, segment));
  counters.spool_bytes.store(bytes);
  spool->first_segment_ = segments.empty() ? 1 : segments.back() + 1;
  spool->fd_ = open_segment(dir, spool->first_segment_);
  if (spool->fd_ < 0) {
    error = errno_message("cannot create", segment_path(dir, spool->first_segment_));
    return nullptr;
  }
  spool->segment_.store(spool->first_segment_, std::memory_order_release);
  fsync_path(dir);  // the new segment's name survives a power cut
  return spool;
}

bool ActivitySpool::append(std::string_view line) {
  const std::uint64_t size = line.size();
  if (counters_.spool_bytes.load(std::memory_order_relaxed) + size > limits_.max_spool_bytes) {
    counters_.dropped_spool_full.fetch_add(1, std::memory_order_relaxed);
    warn_dropped("activity spool full: new events are dropped until the webhook catches up");
    return false;
  }
  // Counted before the write: the delivery thread may consume the line before we return.
  counters_.pending.fetch_add(1, std::memory_order_relaxed);
  ssize_t written = 0;
  std::uint64_t segment = 0;
  {
    std::shared_lock lock(fd_mutex_);
    do {
      written = ::write(fd_, line.data(), line.size());
    } while (written < 0 && errno == EINTR);
    // A short write (disk full) leaves a torn line: end it so the next line stays readable.
    if (written > 0 && static_cast<std::uint64_t>(written) < size) {
      if (::write(fd_, "\n", 1) == 1) ++written;
    }
    segment = segment_.load(std::memory_order_relaxed);
  }
  if (written > 0) counters_.spool_bytes.fetch_add(static_cast<std::uint64_t>(written));
  if (written <= 0 || static_cast<std::uint64_t>(written) != size) {
    // A torn line stays in the spool (the reader skips it as corrupt, and counts it off
    // pending); nothing written, nothing pending.
    if (written <= 0) counters_.pending.fetch_sub(1, std::memory_order_relaxed);
    counters_.dropped_write_error.fetch_add(1, std::memory_order_relaxed);
    warn_dropped("activity spool write failed: events are dropped");
    return false;
  }
  // seq_cst: pairs with the delivery thread's "going to sleep" check (DeliveryLoop::idle).
  counters_.spooled.fetch_add(1);
  if (segment_bytes_.fetch_add(size, std::memory_order_relaxed) + size >= limits_.segment_bytes)
    rotate(segment);
  return true;
}

void ActivitySpool::rotate(std::uint64_t full_segment) {
  // The new file is opened before the lock, so the exclusive section is a pointer swap.
  int fd = open_segment(dir_, full_segment + 1);
  if (fd < 0) {
    segment_bytes_.store(0, std::memory_order_relaxed);  // retry after another segment's worth
    warn_dropped("activity spool cannot open a new segment; appending to the current one");
    return;
  }
  {
    std::unique_lock lock(fd_mutex_);
    if (segment_.load(std::memory_order_relaxed) == full_segment) {
      std::swap(fd, fd_);
      segment_bytes_.store(0, std::memory_order_relaxed);
      segment_.store(full_segment + 1, std::memory_order_release);
    }
  }
  ::close(fd);  // the old segment's fd, or ours when another thread rotated first
}

void ActivitySpool::warn_dropped(const char* why) {
  const std::int64_t now = steady_ms();
  std::int64_t last = last_warning_ms_.load(std::memory_order_relaxed);
  if (now - last < warning_interval_ms) return;
  if (!last_warning_ms_.compare_exchange_strong(last, now)) return;
  const std::string bytes = std::to_string(counters_.spool_bytes.load());
  const std::string max = std::to_string(limits_.max_spool_bytes);
  const std::string full = std::to_string(counters_.dropped_spool_full.load());
  const std::string failed = std::to_string(counters_.dropped_write_error.load());
  observe::log(observe::LogLevel::warn, why,
               {{"spool_dir", dir_},
                {"spool_bytes", bytes},
                {"max_spool_bytes", max},
                {"dropped_spool_full", full},
                {"dropped_write_error", failed}});
}

}  // namespace portico::activity
