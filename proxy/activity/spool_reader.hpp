// activity/spool_reader: the read side of the spool, for the delivery thread: complete
// lines after a position, parsed just enough to de-duplicate first_only events.
// Blocking file I/O; owned by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/activity/spool_files.hpp"

namespace portico::activity {

struct SpooledEvent {
  std::string line;  // the JSON object as spooled (no newline), sent as is
  std::string id;
  std::string org_id;
  std::string event;
  std::string object_id;
  bool first_only = false;
};

struct SpoolBatch {
  std::vector<SpooledEvent> events;
  SpoolPosition next;            // where the following read starts once these are handled
  std::uint64_t corrupt = 0;     // unreadable lines skipped on the way (torn, not JSON)
  std::uint64_t bytes_read = 0;  // spool bytes this batch moves past
};

class SpoolReader {
 public:
  explicit SpoolReader(std::string dir) : dir_(std::move(dir)) {}
  SpoolReader(const SpoolReader&) = delete;
  SpoolReader& operator=(const SpoolReader&) = delete;
  ~SpoolReader();

  // Up to `max_events` complete lines of one segment after `from`. `current` is the segment
  // being appended to, read *before* this call: in an older segment a partial last line can
  // never be completed, so it is skipped, and when such a segment has nothing left `next`
  // moves to the following segment. In `current` a partial line waits for its end.
  SpoolBatch read(SpoolPosition from, std::size_t max_events, std::uint64_t current);

  // Counts complete lines after `from` in every segment up to `current` (startup backlog).
  std::uint64_t count_lines(SpoolPosition from, std::uint64_t current);

 private:
  bool open_segment(std::uint64_t segment);
  std::uint64_t next_segment_after(std::uint64_t segment, std::uint64_t current) const;

  std::string dir_;
  int fd_ = -1;
  std::uint64_t fd_segment_ = 0;
  std::string buffer_;
};

// Parses one spooled line; false when it is not an event object.
bool parse_spooled_event(std::string_view line, SpooledEvent& out);

}  // namespace portico::activity
