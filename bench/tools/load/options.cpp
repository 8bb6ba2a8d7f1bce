// bench/tools/load/options: see the header.
#include "bench/tools/load/options.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <string_view>

namespace portico::bench {

const char* const usage_text =
    "usage: portico_bench_load MODE --connect IP:PORT --names FILE [options]\n"
    "modes:\n"
    "  handshakes   a new connection per request (Connection: close): TLS handshakes per second\n"
    "  keepalive    keep-alive connections, each bound to one name (SNI = Host)\n"
    "  idle         open --connections connections, one request each, hold them idle until\n"
    "               SIGTERM/SIGINT; prints a JSON line when all are open and one when done\n"
    "options:\n"
    "  --tls                  TLS (handshakes implies it)\n"
    "  --resume               handshakes: resume the last session of the same name\n"
    "  --tls-version 1.2|1.3  only this version (default: negotiate, 1.3 with these peers)\n"
    "  --path PATH            request target (default /home)\n"
    "  --connections N        concurrent connections (default 32)\n"
    "  --open-batch N         idle: connections opened at once (default 128)\n"
    "  --duration SECONDS     measured time (default 10)\n"
    "  --warmup SECONDS       unmeasured time first (default 1)\n"
    "  --cpu-pid PID          also report PID's CPU seconds (user + system) over the window\n"
    "  --names FILE           host names, one a line; connection i uses name i mod count\n";

namespace {

bool parse_unsigned(std::string_view text, unsigned& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

bool parse_seconds(std::string_view text, double& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size() && out >= 0;
}

bool parse_address(std::string_view text, sockaddr_in& out) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  unsigned port = 0;
  if (!parse_unsigned(text.substr(colon + 1), port) || port == 0 || port > 65535) return false;
  const std::string ip(text.substr(0, colon));
  out = {};
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<std::uint16_t>(port));
  return inet_pton(AF_INET, ip.c_str(), &out.sin_addr) == 1;
}

bool read_names(const std::string& file, std::vector<std::string>& names) {
  std::ifstream in(file);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line.front() != '#') names.push_back(line);
  }
  return true;
}

// One "--flag value" option into `options`; false for a bad value; `known` false for an
// unknown flag.
bool apply_value(std::string_view flag, std::string_view value, Options& options, bool& known) {
  if (flag == "--connect") return parse_address(value, options.address);
  if (flag == "--names") return read_names(std::string(value), options.names);
  if (flag == "--path") {
    options.path = value;
    return !value.empty() && value.front() == '/';
  }
  if (flag == "--tls-version") {
    options.tls_version = value;
    return value == "1.2" || value == "1.3";
  }
  if (flag == "--connections") {
    return parse_unsigned(value, options.connections) && options.connections > 0;
  }
  if (flag == "--open-batch") {
    return parse_unsigned(value, options.open_batch) && options.open_batch > 0;
  }
  if (flag == "--duration") return parse_seconds(value, options.duration) && options.duration > 0;
  if (flag == "--warmup") return parse_seconds(value, options.warmup);
  if (flag == "--cpu-pid") {
    unsigned pid = 0;
    if (!parse_unsigned(value, pid) || pid == 0) return false;
    options.cpu_pid = pid;
    return true;
  }
  known = false;
  return false;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, std::string& error) {
  Options options;
  if (argc < 2) {
    error = "no mode";
    return std::nullopt;
  }
  const std::string_view mode = argv[1];
  if (mode == "handshakes") {
    options.mode = Mode::handshakes;
    options.tls = true;
  } else if (mode == "keepalive") {
    options.mode = Mode::keepalive;
  } else if (mode == "idle") {
    options.mode = Mode::idle;
  } else {
    error = "unknown mode '" + std::string(mode) + "'";
    return std::nullopt;
  }
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--tls") {
      options.tls = true;
      continue;
    }
    if (flag == "--resume") {
      options.resume = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = "missing value after " + std::string(flag);
      return std::nullopt;
    }
    const std::string_view value = argv[++i];
    bool known = true;
    const bool ok = apply_value(flag, value, options, known);
    if (!known) {
      error = "unknown option " + std::string(flag);
      return std::nullopt;
    }
    if (!ok) {
      error = "bad value for " + std::string(flag) + ": '" + std::string(value) + "'";
      return std::nullopt;
    }
  }
  if (options.address.sin_family != AF_INET) {
    error = "--connect IP:PORT is required";
    return std::nullopt;
  }
  if (options.names.empty()) {
    error = "--names FILE is required: host names, one a line (at least one)";
    return std::nullopt;
  }
  if (options.resume && options.mode != Mode::handshakes) {
    error = "--resume only applies to handshakes";
    return std::nullopt;
  }
  return options;
}

}  // namespace portico::bench
