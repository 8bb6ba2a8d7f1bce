// activity/seen_set: the persisted first_only memory. Blocking file I/O on the delivery
// thread only.
#include "proxy/activity/seen_set.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

#include "proxy/activity/spool_files.hpp"

namespace portico::activity {
namespace {

void append_escaped(std::string& out, std::string_view text) {
  constexpr char hex[] = "0123456789ABCDEF";
  for (char c : text) {
    if (c == '%' || c == '\t' || c == '\n' || c == '\r') {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
}

std::string make_key(std::string_view org_id, std::string_view event, std::string_view object_id) {
  std::string key;
  append_escaped(key, org_id);
  key += '\t';
  append_escaped(key, event);
  key += '\t';
  append_escaped(key, object_id);
  return key;
}

bool read_file(int fd, std::string& out) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

SeenSet::SeenSet(SeenSet&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      unsynced_(std::move(other.unsynced_)),
      needs_fsync_(other.needs_fsync_),
      seen_(std::move(other.seen_)) {}

SeenSet& SeenSet::operator=(SeenSet&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    unsynced_ = std::move(other.unsynced_);
    needs_fsync_ = other.needs_fsync_;
    seen_ = std::move(other.seen_);
  }
  return *this;
}

SeenSet::~SeenSet() {
  if (fd_ >= 0) ::close(fd_);
}

bool SeenSet::open(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::string content;
  if (fd < 0 || !read_file(fd, content)) {
    error = errno_message("cannot read", path);
    if (fd >= 0) ::close(fd);
    return false;
  }
  std::size_t start = 0;
  while (start < content.size()) {
    const std::size_t end = content.find('\n', start);
    if (end == std::string::npos) break;  // torn last line: never acknowledged by sync()
    const std::string_view line(content.data() + start, end - start);
    const std::size_t last_tab = line.rfind('\t');
    // Fields are escaped, so a whole line has exactly three tabs (zeroed blocks after a
    // power cut have none).
    if (std::count(line.begin(), line.end(), '\t') == 3 && last_tab + 1 < line.size()) {
      seen_.insert_or_assign(std::string(line.substr(0, last_tab)),
                             std::string(line.substr(last_tab + 1)));
    }
    start = end + 1;
  }
  // A torn last line is cut off rather than ended: ended, it could pass for a key claimed
  // by a truncated event id, which would suppress the real event.
  if (start < content.size() && ::ftruncate(fd, static_cast<off_t>(start)) != 0) {
    error = errno_message("cannot repair", path);
    ::close(fd);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  path_ = path;
  return true;
}

bool SeenSet::admit(std::string_view org_id, std::string_view event, std::string_view object_id,
                    std::string_view event_id) {
  std::string key = make_key(org_id, event, object_id);
  std::string id;
  append_escaped(id, event_id);
  const auto found = seen_.find(key);
  if (found != seen_.end()) return found->second == id;
  unsynced_ += key;
  unsynced_ += '\t';
  unsynced_ += id;
  unsynced_ += '\n';
  seen_.emplace(std::move(key), std::move(id));
  return true;
}

bool SeenSet::sync(std::string& error) {
  // Written here rather than in admit() so a failed write (disk full) is retried with the
  // next attempt instead of leaving a key only in memory.
  while (!unsynced_.empty()) {
    const ssize_t n = fd_ < 0 ? -1 : ::write(fd_, unsynced_.data(), unsynced_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = errno_message("cannot append to", path_);
      return false;
    }
    unsynced_.erase(0, static_cast<std::size_t>(n));
    needs_fsync_ = true;
  }
  if (needs_fsync_ && ::fsync(fd_) != 0) {
    error = errno_message("cannot fsync", path_);
    return false;
  }
  needs_fsync_ = false;
  return true;
}

}  // namespace portico::activity
