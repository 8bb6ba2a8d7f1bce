// bench/tools/load/options: the command line of portico_bench_load.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>
#include <vector>

namespace portico::bench {

enum class Mode {
  handshakes,  // one request per connection, a new TLS handshake each time (--resume: resumed)
  keepalive,   // each connection keeps one name (SNI and Host) and sends request after request
  idle,        // open --connections connections, one request each, then hold them idle
};

struct Options {
  Mode mode = Mode::keepalive;
  sockaddr_in address{};
  std::vector<std::string> names;  // SNI and Host, one per connection, rotating
  bool tls = false;
  bool resume = false;      // handshakes: offer the last session of the same name
  std::string tls_version;  // "" (negotiate), "1.2" or "1.3"
  std::string path = "/home";
  unsigned connections = 32;  // concurrent connections (idle: how many to hold)
  unsigned open_batch = 128;  // idle: connections being opened at once (accept backlogs)
  double duration = 10;       // seconds measured
  double warmup = 1;          // seconds run before measuring (counted nowhere)
  long cpu_pid = 0;           // report this process's CPU seconds over the window (0: none)
};

// Parses argv; on a problem returns nullopt and sets `error` (the usage text is the caller's).
std::optional<Options> parse_options(int argc, char** argv, std::string& error);

extern const char* const usage_text;

}  // namespace portico::bench
