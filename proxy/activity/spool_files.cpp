// activity/spool_files: segment names, the cursor file and the spool lock.
// Blocking file I/O; never called on a request path.
#include "proxy/activity/spool_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace portico::activity {
namespace {

constexpr std::string_view segment_prefix = "events-";
constexpr std::string_view segment_suffix = ".jsonl";

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool parse_number(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string errno_message(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string segment_path(const std::string& dir, std::uint64_t segment) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(segment));
  return dir + "/" + std::string(segment_prefix) + digits + std::string(segment_suffix);
}

std::vector<std::uint64_t> list_segments(const std::string& dir) {
  std::vector<std::uint64_t> segments;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::string_view view(name);
    if (!view.starts_with(segment_prefix) || !view.ends_with(segment_suffix)) continue;
    view.remove_prefix(segment_prefix.size());
    view.remove_suffix(segment_suffix.size());
    std::uint64_t number = 0;
    if (view.size() == 20 && parse_number(view, number)) segments.push_back(number);
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

std::uint64_t file_size_or_zero(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0;
  return static_cast<std::uint64_t>(info.st_size);
}

std::optional<SpoolPosition> read_cursor(const std::string& dir, std::string& error) {
  const std::string path = dir + "/cursor";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) error = errno_message("cannot open", path);
    return std::nullopt;
  }
  char text[64];
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  std::string_view content(text, n > 0 ? static_cast<std::size_t>(n) : 0);
  if (content.ends_with('\n')) content.remove_suffix(1);
  const std::size_t space = content.find(' ');
  SpoolPosition position;
  if (space == std::string_view::npos ||
      !parse_number(content.substr(0, space), position.segment) ||
      !parse_number(content.substr(space + 1), position.offset)) {
    error = "unreadable cursor " + path;
    return std::nullopt;
  }
  return position;
}

bool write_cursor(const std::string& dir, SpoolPosition position, std::string& error) {
  const std::string path = dir + "/cursor";
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = errno_message("cannot create", temp);
    return false;
  }
  const std::string text =
      std::to_string(position.segment) + " " + std::to_string(position.offset) + "\n";
  const bool written = write_all(fd, text) && ::fsync(fd) == 0;
  if (!written) error = errno_message("cannot write", temp);
  ::close(fd);
  if (!written) return false;
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    error = errno_message("cannot rename", temp);
    return false;
  }
  if (!fsync_path(dir)) {
    error = errno_message("cannot fsync", dir);
    return false;
  }
  return true;
}

bool fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

SpoolLock& SpoolLock::operator=(SpoolLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

SpoolLock::~SpoolLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpoolLock::acquire(const std::string& dir, std::string& error) {
  const std::string path = dir + "/lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = errno_message("cannot open", path);
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    error = errno == EWOULDBLOCK ? "spool " + dir + " is in use by another activity service"
                                 : errno_message("cannot lock", path);
    ::close(fd);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return true;
}

}  // namespace portico::activity
