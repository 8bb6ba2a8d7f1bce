// activity/seen_set: which first_only events were already delivered, per (org_id, event,
// object_id), persisted in <spool_dir>/seen. Owned by the delivery thread: no locks.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace portico::activity {

class SeenSet {
 public:
  SeenSet() = default;
  SeenSet(const SeenSet&) = delete;
  SeenSet& operator=(const SeenSet&) = delete;
  SeenSet(SeenSet&& other) noexcept;
  SeenSet& operator=(SeenSet&& other) noexcept;
  ~SeenSet();

  // Loads `path` (one "org_id\tevent\tobject_id\tevent_id" line per key, fields
  // percent-escaped) and keeps it open for appending. A torn last line (crash mid-append)
  // is cut off: it was never synced, so the batch that needed it was never sent.
  bool open(const std::string& path, std::string& error);

  // True when this event should be delivered: its key is new (it is then recorded in
  // memory; sync() writes it) or the key was recorded for this very
  // event id (a batch retried after a crash). False: a repeat, to be suppressed.
  bool admit(std::string_view org_id, std::string_view event, std::string_view object_id,
             std::string_view event_id);

  // Appends the keys admitted since the last sync and fsyncs the file: called before a
  // batch that recorded keys is sent, so a first_only event is never delivered twice
  // because a power cut forgot that it was.
  bool sync(std::string& error);

  std::size_t size() const noexcept { return seen_.size(); }

 private:
  std::string path_;
  int fd_ = -1;
  std::string unsynced_;  // lines admitted but not yet written
  bool needs_fsync_ = false;
  std::unordered_map<std::string, std::string> seen_;  // key -> event id that claimed it
};

}  // namespace portico::activity
