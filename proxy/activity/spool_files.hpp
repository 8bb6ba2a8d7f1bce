// activity/spool_files: names and durable small files of the spool directory (segments,
// cursor, lock). Blocking file I/O: used at open and on the delivery thread, never per request.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace portico::activity {

// A place in the spool: byte `offset` in segment number `segment`.
struct SpoolPosition {
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;
  auto operator<=>(const SpoolPosition&) const = default;
};

// <dir>/events-<20 digits>.jsonl
std::string segment_path(const std::string& dir, std::uint64_t segment);
// Segment numbers present in `dir`, ascending.
std::vector<std::uint64_t> list_segments(const std::string& dir);
std::uint64_t file_size_or_zero(const std::string& path);

// <dir>/cursor holds "<segment> <offset>\n": everything before it was acknowledged.
// nullopt when missing or unreadable (`error` says which; empty when simply missing).
std::optional<SpoolPosition> read_cursor(const std::string& dir, std::string& error);
// Written to cursor.tmp, fsynced, renamed over cursor, directory fsynced: after a crash
// the cursor is the old one or the new one, never a torn one.
bool write_cursor(const std::string& dir, SpoolPosition position, std::string& error);

bool fsync_path(const std::string& path);  // file or directory; false on error

// An exclusive flock(2) on <dir>/lock for as long as the object lives, so two services
// (two processes, or two in one process) never share a spool.
class SpoolLock {
 public:
  SpoolLock() = default;
  SpoolLock(const SpoolLock&) = delete;
  SpoolLock& operator=(const SpoolLock&) = delete;
  SpoolLock(SpoolLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  SpoolLock& operator=(SpoolLock&& other) noexcept;
  ~SpoolLock();

  bool acquire(const std::string& dir, std::string& error);

 private:
  int fd_ = -1;
};

// "<what> <path>: <strerror(errno)>"
std::string errno_message(const std::string& what, const std::string& path);

}  // namespace portico::activity
