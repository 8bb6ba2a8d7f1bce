// activity/spool_reader: reads complete event lines from the spool segments.
// Delivery thread only; tolerant of what a crash leaves behind (torn or zeroed tails).
#include "proxy/activity/spool_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <algorithm>
#include <cerrno>

namespace portico::activity {
namespace {

// Every line is far shorter (event.hpp caps the fields), so a chunk this long without a
// newline is garbage, not a line still being written.
constexpr std::size_t chunk_bytes = 256 * 1024;

bool string_field(const boost::json::object& object, std::string_view name, std::string& out) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return false;
  const boost::json::string& text = value->get_string();
  out.assign(text.data(), text.size());
  return true;
}

}  // namespace

bool parse_spooled_event(std::string_view line, SpooledEvent& out) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(line, ec);
  if (ec) return false;
  const boost::json::object* object = value.if_object();
  if (object == nullptr) return false;
  if (!string_field(*object, "id", out.id) || !string_field(*object, "org_id", out.org_id) ||
      !string_field(*object, "event", out.event) ||
      !string_field(*object, "object_id", out.object_id)) {
    return false;
  }
  const boost::json::value* first_only = object->if_contains("first_only");
  out.first_only = first_only != nullptr && first_only->is_bool() && first_only->get_bool();
  out.line.assign(line.data(), line.size());
  return true;
}

SpoolReader::~SpoolReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpoolReader::open_segment(std::uint64_t segment) {
  if (fd_ >= 0 && fd_segment_ == segment) return true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(segment_path(dir_, segment).c_str(), O_RDONLY | O_CLOEXEC);
  fd_segment_ = segment;
  return fd_ >= 0;
}

std::uint64_t SpoolReader::next_segment_after(std::uint64_t segment, std::uint64_t current) const {
  for (std::uint64_t existing : list_segments(dir_)) {
    if (existing > segment) return std::min(existing, current);
  }
  return current;
}

SpoolBatch SpoolReader::read(SpoolPosition from, std::size_t max_events, std::uint64_t current) {
  SpoolBatch batch;
  batch.next = from;
  if (!open_segment(from.segment)) {
    // Deleted or never created (a crash between naming and creating): nothing to read.
    if (from.segment < current) batch.next = {next_segment_after(from.segment, current), 0};
    return batch;
  }
  buffer_.resize(chunk_bytes);
  ssize_t got = 0;
  do {
    got = ::pread(fd_, buffer_.data(), buffer_.size(), static_cast<off_t>(from.offset));
  } while (got < 0 && errno == EINTR);
  const std::string_view chunk(buffer_.data(), got > 0 ? static_cast<std::size_t>(got) : 0);
  std::size_t start = 0;
  while (batch.events.size() < max_events) {
    const std::size_t end = chunk.find('\n', start);
    if (end == std::string_view::npos) break;
    SpooledEvent event;
    if (parse_spooled_event(chunk.substr(start, end - start), event)) {
      batch.events.push_back(std::move(event));
    } else {
      ++batch.corrupt;
    }
    start = end + 1;
  }
  batch.next.offset = from.offset + start;
  batch.bytes_read = start;
  if (start > 0) return batch;
  const bool finished = from.segment < current;
  if (chunk.size() == chunk_bytes || (finished && !chunk.empty())) {
    // No newline in a whole chunk, or a torn tail nothing will ever complete.
    ++batch.corrupt;
    batch.next.offset = from.offset + chunk.size();
    batch.bytes_read = chunk.size();
    return batch;
  }
  if (finished) batch.next = {next_segment_after(from.segment, current), 0};
  return batch;
}

std::uint64_t SpoolReader::count_lines(SpoolPosition from, std::uint64_t current) {
  std::uint64_t lines = 0;
  std::string buffer(chunk_bytes, '\0');
  for (std::uint64_t segment : list_segments(dir_)) {
    if (segment < from.segment || segment > current) continue;
    const int fd = ::open(segment_path(dir_, segment).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    off_t offset = segment == from.segment ? static_cast<off_t>(from.offset) : 0;
    for (;;) {
      const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), offset);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      for (ssize_t i = 0; i < got; ++i) lines += buffer[static_cast<std::size_t>(i)] == '\n';
      offset += got;
    }
    ::close(fd);
  }
  return lines;
}

}  // namespace portico::activity
