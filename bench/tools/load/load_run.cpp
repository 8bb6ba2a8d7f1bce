// bench/tools/load/load_run: see the header. Each slot holds one connection; a slot whose
// connection ends (handshakes: after every response) opens the next one with the next name.
#include "bench/tools/load/load_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/tools/load/client_connection.hpp"
#include "bench/tools/load/epoll.hpp"
#include "bench/tools/load/process_cpu.hpp"

namespace portico::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Progress = ClientConnection::Progress;

constexpr auto stall_limit = std::chrono::seconds(10);
constexpr auto warmup_overrun_limit = std::chrono::seconds(60);

struct Slot {
  ClientConnection connection;
  std::size_t name = 0;
  Clock::time_point started;
  bool opened = false;
};

std::uint64_t percentile(const std::vector<std::uint32_t>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  // Nearest rank.
  const auto index = static_cast<std::size_t>(
      std::llround(fraction * static_cast<double>(sorted.size() - 1)));
  return sorted[std::min(index, sorted.size() - 1)];
}

class LoadRun {
 public:
  LoadRun(const Options& options, SSL_CTX* tls_context)
      : options_(options),
        tls_context_(tls_context),
        slots_(options.connections),
        sessions_(options.names.size(), nullptr) {}
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;
  ~LoadRun() {
    for (SSL_SESSION* session : sessions_) SSL_SESSION_free(session);
  }

  // Warm-up first: at least --warmup seconds and, with --resume, until every name has a
  // session to offer, so the window measures resumed handshakes. Then --duration seconds.
  LoadReport run() {
    const auto start = Clock::now();
    const auto warmup_end = start + seconds(options_.warmup);
    auto end = Clock::time_point::max();
    last_completion_ = start;
    for (std::size_t i = 0; i < slots_.size(); ++i) open_slot(i);
    std::vector<epoll_event> events(256);
    double cpu_at_start = -1;
    for (Clock::time_point now = Clock::now(); now < end; now = Clock::now()) {
      if (!window_open_ && now >= warmup_end &&
          (!options_.resume || sessions_stored_ == sessions_.size())) {
        window_open_ = true;
        end = now + seconds(options_.duration);
        if (options_.cpu_pid != 0) cpu_at_start = process_cpu_seconds(options_.cpu_pid);
      }
      // Wake up at the window's edges, so the CPU samples bracket exactly the window.
      const auto edge = window_open_ ? end : std::max(warmup_end, now);
      const auto until_edge = std::chrono::ceil<std::chrono::milliseconds>(edge - now).count();
      const int timeout =
          retry_.empty() ? static_cast<int>(std::clamp<long long>(until_edge, 0, 50)) : 1;
      const int count = epoll_.wait(events.data(), static_cast<int>(events.size()), timeout);
      for (int e = 0; e < count; ++e) on_event(events[static_cast<std::size_t>(e)].data.u64);
      std::vector<std::size_t> retry;
      retry.swap(retry_);
      for (std::size_t i : retry) open_slot(i);
      if (!window_open_ && Clock::now() - warmup_end > warmup_overrun_limit) {
        std::fprintf(stderr,
                     "portico_bench_load: warm-up did not end: %zu of %zu names have a "
                     "resumable session\n",
                     sessions_stored_, sessions_.size());
        std::exit(1);
      }
      if (Clock::now() - last_completion_ > stall_limit) {
        std::fprintf(stderr, "portico_bench_load: no response for %lld s (%llu errors so far)\n",
                     static_cast<long long>(stall_limit.count()),
                     static_cast<unsigned long long>(errors_total_));
        std::exit(1);
      }
    }
    if (options_.cpu_pid != 0 && cpu_at_start >= 0) {
      const double cpu_at_end = process_cpu_seconds(options_.cpu_pid);
      if (cpu_at_end >= 0) report_.cpu_seconds = cpu_at_end - cpu_at_start;
    }
    return report(options_.duration);
  }

 private:
  static Clock::duration seconds(double value) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
  }
  bool handshakes() const { return options_.mode == Mode::handshakes; }

  void open_slot(std::size_t index) {
    Slot& slot = slots_[index];
    slot.name = next_name_++ % options_.names.size();
    const std::string& name = options_.names[slot.name];
    SSL_SESSION* session = options_.resume ? sessions_[slot.name] : nullptr;
    slot.started = Clock::now();
    slot.opened =
        slot.connection.open(options_.address, options_.tls ? tls_context_ : nullptr, name, session,
                             make_get_request(options_.path, name, handshakes()));
    if (!slot.opened) {
      count_error();
      retry_.push_back(index);
      return;
    }
    epoll_.add(slot.connection.fd(), index);
  }

  void on_event(std::uint64_t index) {
    Slot& slot = slots_[index];
    if (!slot.opened) return;
    for (;;) {
      const Progress progress = slot.connection.drive();
      if (progress == Progress::waiting) return;
      const auto now = Clock::now();
      if (progress != Progress::response_done) {
        count_error();
        slot.connection.close();
        slot.opened = false;
        open_slot(index);
        return;
      }
      record(slot, now);
      if (handshakes() || !slot.connection.keep_alive()) {
        slot.connection.close();
        slot.opened = false;
        open_slot(index);
        return;
      }
      slot.started = now;
      slot.connection.send(make_get_request(options_.path, options_.names[slot.name], false));
    }
  }

  void record(Slot& slot, Clock::time_point now) {
    last_completion_ = now;
    SSL* ssl = slot.connection.ssl();
    if (options_.resume && ssl != nullptr) {
      SSL_SESSION* session = SSL_get1_session(ssl);  // the newest ticket of this connection
      if (session != nullptr && SSL_SESSION_is_resumable(session) == 1) {
        if (sessions_[slot.name] == nullptr) ++sessions_stored_;
        SSL_SESSION_free(sessions_[slot.name]);
        sessions_[slot.name] = session;
      } else {
        SSL_SESSION_free(session);
      }
    }
    if (!window_open_) return;
    ++report_.completed;
    const unsigned status = slot.connection.status();
    if (status < 200 || status > 299) ++report_.non_2xx;
    if (ssl != nullptr && handshakes() && SSL_session_reused(ssl) == 1) ++report_.resumed;
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - slot.started);
    latencies_.push_back(
        static_cast<std::uint32_t>(std::min<long long>(micros.count(), UINT32_MAX)));
  }

  void count_error() {
    ++errors_total_;
    if (window_open_) ++report_.errors;
  }

  LoadReport report(double seconds) {
    report_.seconds = seconds;
    std::sort(latencies_.begin(), latencies_.end());
    report_.p50_us = percentile(latencies_, 0.50);
    report_.p90_us = percentile(latencies_, 0.90);
    report_.p99_us = percentile(latencies_, 0.99);
    report_.max_us = latencies_.empty() ? 0 : latencies_.back();
    return report_;
  }

  const Options& options_;
  SSL_CTX* tls_context_;
  Epoll epoll_;
  std::vector<Slot> slots_;
  std::vector<SSL_SESSION*> sessions_;  // per name: the session to resume next time
  std::vector<std::size_t> retry_;      // slots whose open() failed: tried again next turn
  std::size_t next_name_ = 0;
  bool window_open_ = false;
  std::size_t sessions_stored_ = 0;  // names with a session
  Clock::time_point last_completion_;
  std::uint64_t errors_total_ = 0;
  std::vector<std::uint32_t> latencies_;
  LoadReport report_;
};

}  // namespace

std::string make_get_request(const std::string& path, const std::string& host, bool close) {
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host +
                        "\r\nUser-Agent: portico_bench_load\r\nAccept: text/html\r\n";
  if (close) request += "Connection: close\r\n";
  request += "\r\n";
  return request;
}

std::string LoadReport::to_json(const Options& options) const {
  const char* mode = options.mode == Mode::handshakes ? "handshakes" : "keepalive";
  char text[768];
  std::snprintf(text, sizeof text,
                "{\"mode\":\"%s\",\"tls\":%s,\"resume\":%s,\"connections\":%u,\"names\":%zu,"
                "\"seconds\":%.3f,\"completed\":%llu,\"rate\":%.1f,\"errors\":%llu,"
                "\"non_2xx\":%llu,\"resumed\":%llu,\"p50_us\":%llu,\"p90_us\":%llu,"
                "\"p99_us\":%llu,\"max_us\":%llu,\"cpu_seconds\":%.3f}",
                mode, options.tls ? "true" : "false", options.resume ? "true" : "false",
                options.connections, options.names.size(), seconds,
                static_cast<unsigned long long>(completed),
                seconds > 0 ? static_cast<double>(completed) / seconds : 0.0,
                static_cast<unsigned long long>(errors), static_cast<unsigned long long>(non_2xx),
                static_cast<unsigned long long>(resumed), static_cast<unsigned long long>(p50_us),
                static_cast<unsigned long long>(p90_us), static_cast<unsigned long long>(p99_us),
                static_cast<unsigned long long>(max_us), cpu_seconds);
  return text;
}

LoadReport run_load(const Options& options, SSL_CTX* tls_context) {
  LoadRun run(options, tls_context);
  return run.run();
}

}  // namespace portico::bench
