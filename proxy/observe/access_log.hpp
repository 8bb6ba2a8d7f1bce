// observe/access_log: one JSON line per request, to stdout or a file. Workers only format
// and enqueue; one writer thread does the I/O, so a slow disk never blocks a worker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "proxy/observe/prometheus_writer.hpp"

namespace portico::observe {

// What one line says. Views are only read during AccessLog::write().
struct AccessRecord {
  std::chrono::system_clock::time_point time;  // when the request arrived
  std::string_view request_id;
  std::string_view client;  // peer address "ip:port"
  std::string_view host;    // normalized host ("" when there was none)
  std::string_view org_id;  // "" when no tenant
  std::string_view method;
  std::string_view path;  // the request target as received (path and query)
  unsigned status = 0;
  std::uint64_t bytes_in = 0;   // request body bytes read
  std::uint64_t bytes_out = 0;  // response body bytes sent
  std::optional<std::chrono::nanoseconds> upstream;  // to the upstream's response head; none = not forwarded
  std::chrono::nanoseconds total{0};
  std::string_view outcome;  // observe::to_string(Outcome)
};

// {"time":...,"outcome":...}\n. Bytes that are not valid UTF-8 become \u00XX, so the line is
// always valid JSON whatever the client sent.
std::string format_access_line(const AccessRecord& record);
// RFC 3339 UTC with milliseconds: 2026-01-31T12:34:56.789Z.
std::string format_rfc3339_ms(std::chrono::system_clock::time_point time);
// JSON string contents (no quotes): control bytes, quotes, backslash, DEL and every byte of an
// invalid UTF-8 sequence escaped as \u00XX; valid UTF-8 passes through.
void append_json_string_bytes(std::string& out, std::string_view bytes);

class AccessLog {
 public:
  static constexpr std::size_t default_queue_lines = 16384;

  // `target`: "stdout", "off", or a file path (opened O_APPEND|O_CREAT, mode 0640).
  // A file that cannot be opened is logged and the access log runs as "off"; see ok().
  explicit AccessLog(std::string target, std::size_t queue_lines = default_queue_lines);
  ~AccessLog();  // writes what is queued, then stops the writer thread
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool enabled() const noexcept { return enabled_; }
  bool ok() const noexcept { return ok_; }  // false: the file could not be opened

  // Any thread. Formats and enqueues; never does I/O. When the queue already holds
  // queue_lines lines the line is dropped and counted. No-op when disabled.
  void write(const AccessRecord& record);
  // Any thread (SIGUSR1 handler): the writer reopens the file by name before its next
  // write, so logrotate can rename it away. No-op for stdout and off.
  void reopen();
  // Blocks until every line enqueued before the call has been written (tests, shutdown).
  void flush();

  std::uint64_t lines_written() const noexcept { return written_.load(std::memory_order_relaxed); }
  std::uint64_t lines_dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  // portico_access_log_lines_total{result="written|dropped"}; for MetricsRegistry::add_collector.
  void write_metrics(PrometheusWriter& writer) const;

 private:
  void run_writer();
  void write_batch(const std::vector<std::string>& lines);
  void reopen_file();

  const std::string target_;
  const std::size_t capacity_;
  bool enabled_ = false;
  bool ok_ = true;
  int fd_ = -1;  // the writer thread's; stdout is not closed
  bool write_failing_ = false;  // writer thread only

  std::mutex mutex_;  // guards the four below; held only to push or swap, never during I/O
  std::condition_variable wake_writer_;
  std::condition_variable written_cv_;
  std::vector<std::string> queue_;
  bool stopping_ = false;
  bool reopen_requested_ = false;
  std::uint64_t enqueued_seq_ = 0;  // lines ever queued
  std::uint64_t done_seq_ = 0;      // lines ever taken and handled (written or failed)

  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace portico::observe
