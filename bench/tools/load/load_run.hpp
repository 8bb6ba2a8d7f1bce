// bench/tools/load/load_run: the measuring modes of portico_bench_load (handshakes, keepalive,
// idle) on one epoll loop. One thread: the kit pins the tool to one core and the proxy is the
// thing being saturated.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

#include "bench/tools/load/options.hpp"

namespace portico::bench {

struct LoadReport {
  double seconds = 0;           // measured window
  std::uint64_t completed = 0;  // responses read in the window
  std::uint64_t errors = 0;     // failed connections or requests in the window
  std::uint64_t non_2xx = 0;
  std::uint64_t resumed = 0;  // handshakes: completed on a resumed session
  std::uint64_t p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
  double cpu_seconds = -1;  // of --cpu-pid over the window; negative when not asked or unreadable
  std::string to_json(const Options& options) const;
};

// "GET path HTTP/1.1" with Host, and "Connection: close" when `close`.
std::string make_get_request(const std::string& path, const std::string& host, bool close);

// handshakes and keepalive: runs warmup + duration, returns what the window saw. Exits the
// process with a message when nothing completes for 10 s (a peer that does not answer).
LoadReport run_load(const Options& options, SSL_CTX* tls_context);

// idle: opens the connections, prints {"open":N,"failed":F,...} once all are open or failed,
// holds them until SIGTERM/SIGINT or stdin closes, then prints {"still_open":M}. Returns the
// exit status.
int run_idle(const Options& options, SSL_CTX* tls_context);

}  // namespace portico::bench
