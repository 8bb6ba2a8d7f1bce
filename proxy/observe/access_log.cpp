// observe/access_log: formatting (pure) and the queue + writer thread. The queue is a
// mutex-protected vector that the writer swaps out whole: a worker's critical section is one
// push_back, never I/O, and a full queue drops the line instead of waiting.
#include "proxy/observe/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <utility>

#include "proxy/observe/log.hpp"

namespace portico::observe {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_escaped_byte(std::string& out, unsigned char byte) {
  out += "\\u00";
  out += hex_digits[byte >> 4];
  out += hex_digits[byte & 0xf];
}

// Length of the valid UTF-8 sequence starting at text[i] (2..4), or 0 if it is not one.
// Overlong forms, surrogates and code points above U+10FFFF are invalid (RFC 3629).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  struct Form {
    unsigned char first, last;                // lead byte range
    std::size_t length;                       // bytes in the sequence
    unsigned char second_low, second_high;    // allowed second byte
  };
  static constexpr Form forms[] = {
      {0xc2, 0xdf, 2, 0x80, 0xbf}, {0xe0, 0xe0, 3, 0xa0, 0xbf}, {0xe1, 0xec, 3, 0x80, 0xbf},
      {0xed, 0xed, 3, 0x80, 0x9f}, {0xee, 0xef, 3, 0x80, 0xbf}, {0xf0, 0xf0, 4, 0x90, 0xbf},
      {0xf1, 0xf3, 4, 0x80, 0xbf}, {0xf4, 0xf4, 4, 0x80, 0x8f},
  };
  unsigned char lead = byte(i);
  const Form* form = nullptr;
  for (const auto& candidate : forms) {
    if (lead >= candidate.first && lead <= candidate.last) form = &candidate;
  }
  if (form == nullptr) return 0;
  std::size_t length = form->length;
  unsigned char low = form->second_low;
  unsigned char high = form->second_high;
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return length;
}

void append_string_field(std::string& out, std::string_view name, std::string_view value) {
  out += '"';
  out += name;
  out += "\":\"";
  append_json_string_bytes(out, value);
  out += "\",";
}

void append_unsigned(std::string& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// Milliseconds with microsecond precision: 12.345
void append_milliseconds(std::string& out, std::chrono::nanoseconds elapsed) {
  auto micros = elapsed.count() < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(elapsed.count() / 1000);
  append_unsigned(out, micros / 1000);
  auto fraction = micros % 1000;
  out += '.';
  out += static_cast<char>('0' + fraction / 100);
  out += static_cast<char>('0' + fraction / 10 % 10);
  out += static_cast<char>('0' + fraction % 10);
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

int open_log_file(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

}  // namespace

void append_json_string_bytes(std::string& out, std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte < 0x80) {
      if (byte == '"' || byte == '\\') {
        out += '\\';
        out += static_cast<char>(byte);
      } else if (byte < 0x20 || byte == 0x7f) {
        append_escaped_byte(out, byte);
      } else {
        out += static_cast<char>(byte);
      }
      ++i;
      continue;
    }
    std::size_t length = utf8_sequence_length(bytes, i);
    if (length == 0) {
      append_escaped_byte(out, byte);
      ++i;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
}

std::string format_rfc3339_ms(std::chrono::system_clock::time_point time) {
  auto millis = std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  long long fraction = millis % 1000;
  if (fraction < 0) {
    fraction += 1000;
    --seconds;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out(text, length);
  out += '.';
  out += static_cast<char>('0' + fraction / 100);
  out += static_cast<char>('0' + fraction / 10 % 10);
  out += static_cast<char>('0' + fraction % 10);
  out += 'Z';
  return out;
}

std::string format_access_line(const AccessRecord& record) {
  std::string line;
  line.reserve(256 + record.path.size() + record.host.size());
  line += "{\"time\":\"";
  line += format_rfc3339_ms(record.time);
  line += "\",";
  append_string_field(line, "request_id", record.request_id);
  append_string_field(line, "client", record.client);
  append_string_field(line, "host", record.host);
  append_string_field(line, "org_id", record.org_id);
  append_string_field(line, "method", record.method);
  append_string_field(line, "path", record.path);
  line += "\"status\":";
  append_unsigned(line, record.status);
  line += ",\"bytes_in\":";
  append_unsigned(line, record.bytes_in);
  line += ",\"bytes_out\":";
  append_unsigned(line, record.bytes_out);
  line += ",\"upstream_ms\":";
  if (record.upstream) append_milliseconds(line, *record.upstream);
  else line += "null";
  line += ",\"total_ms\":";
  append_milliseconds(line, record.total);
  line += ",\"outcome\":\"";
  append_json_string_bytes(line, record.outcome);
  line += "\"}\n";
  return line;
}

AccessLog::AccessLog(std::string target, std::size_t queue_lines)
    : target_(std::move(target)), capacity_(queue_lines == 0 ? 1 : queue_lines) {
  if (target_ == "off") return;
  if (target_ == "stdout") {
    fd_ = STDOUT_FILENO;
  } else {
    fd_ = open_log_file(target_);
    if (fd_ < 0) {
      ok_ = false;
      log(LogLevel::error, "cannot open access log", {{"path", target_}, {"error", std::strerror(errno)}});
      return;
    }
  }
  enabled_ = true;
  writer_ = std::thread([this] { run_writer(); });
}

AccessLog::~AccessLog() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  writer_.join();
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
}

void AccessLog::write(const AccessRecord& record) {
  if (!enabled_) return;
  std::string line = format_access_line(record);
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= capacity_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(line));
    ++enqueued_seq_;
  }
  wake_writer_.notify_one();
}

void AccessLog::reopen() {
  if (!enabled_ || fd_ == STDOUT_FILENO) return;
  {
    std::lock_guard lock(mutex_);
    reopen_requested_ = true;
  }
  wake_writer_.notify_one();
}

void AccessLog::flush() {
  if (!enabled_) return;
  std::unique_lock lock(mutex_);
  std::uint64_t target = enqueued_seq_;
  written_cv_.wait(lock, [&] { return done_seq_ >= target; });
}

void AccessLog::run_writer() {
  std::vector<std::string> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_writer_.wait(lock, [&] { return stopping_ || reopen_requested_ || !queue_.empty(); });
    bool reopen_now = std::exchange(reopen_requested_, false);
    batch.swap(queue_);  // queue_ takes the emptied batch back, capacity kept
    lock.unlock();
    if (reopen_now) reopen_file();
    write_batch(batch);
    auto handled = batch.size();
    batch.clear();
    lock.lock();
    done_seq_ += handled;
    written_cv_.notify_all();
    if (stopping_ && queue_.empty() && !reopen_requested_) return;
  }
}

// One write(2) per ~64 KiB: lines are never split between two writes of ours, and other
// writers appending to the same file (O_APPEND) cannot land inside a line.
void AccessLog::write_batch(const std::vector<std::string>& lines) {
  static constexpr std::size_t chunk_bytes = 64 * 1024;
  std::string chunk;
  std::size_t chunk_lines = 0;
  auto send = [&] {
    if (chunk.empty()) return;
    if (write_all(fd_, chunk)) {
      written_.fetch_add(chunk_lines, std::memory_order_relaxed);
      write_failing_ = false;
    } else {
      dropped_.fetch_add(chunk_lines, std::memory_order_relaxed);
      // Logged once per failure streak (a full disk would otherwise log per batch).
      if (!write_failing_) {
        log(LogLevel::error, "access log write failed; dropping lines",
            {{"path", target_}, {"error", std::strerror(errno)}});
      }
      write_failing_ = true;
    }
    chunk.clear();
    chunk_lines = 0;
  };
  for (const auto& line : lines) {
    if (!chunk.empty() && chunk.size() + line.size() > chunk_bytes) send();
    chunk += line;
    ++chunk_lines;
  }
  send();
}

void AccessLog::reopen_file() {
  int fresh = open_log_file(target_);
  if (fresh < 0) {
    log(LogLevel::error, "cannot reopen access log; still writing to the old file",
        {{"path", target_}, {"error", std::strerror(errno)}});
    return;
  }
  ::close(fd_);
  fd_ = fresh;
  log(LogLevel::info, "access log reopened", {{"path", target_}});
}

void AccessLog::write_metrics(PrometheusWriter& writer) const {
  writer.family("portico_access_log_lines_total", "counter",
                "Access log lines, by result: written, or dropped (queue full or write failed).");
  writer.sample("portico_access_log_lines_total", {{"result", "written"}}, lines_written());
  writer.sample("portico_access_log_lines_total", {{"result", "dropped"}}, lines_dropped());
}

}  // namespace portico::observe
