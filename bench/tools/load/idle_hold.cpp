// bench/tools/load/idle_hold: the idle mode of portico_bench_load (run_idle in load_run.hpp).
// Opens --connections keep-alive connections, at most --open-batch at a time so no accept
// backlog overflows, sends one request on each (so the server holds a connection that has
// served a request, the usual idle keep-alive state), then holds them without traffic.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench/tools/load/client_connection.hpp"
#include "bench/tools/load/epoll.hpp"
#include "bench/tools/load/load_run.hpp"

namespace portico::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Progress = ClientConnection::Progress;

constexpr std::uint64_t signal_key = ~std::uint64_t{0};
constexpr auto open_limit = std::chrono::seconds(60);

// SIGTERM and SIGINT as a readable fd, so the hold is one epoll loop.
int signal_fd() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) return -1;
  return ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
}

}  // namespace

int run_idle(const Options& options, SSL_CTX* tls_context) {
  const int signals = signal_fd();
  if (signals < 0) {
    std::perror("portico_bench_load: signalfd");
    return 1;
  }
  Epoll epoll;
  epoll.add(signals, signal_key);
  const std::size_t target = options.connections;
  std::vector<std::unique_ptr<ClientConnection>> connections;
  connections.reserve(target);
  std::size_t opening = 0, idle = 0, failed = 0, closed_by_peer = 0;
  const auto start = Clock::now();

  auto open_next = [&] {
    while (opening < options.open_batch && connections.size() < target) {
      const std::size_t index = connections.size();
      const std::string& name = options.names[index % options.names.size()];
      connections.push_back(std::make_unique<ClientConnection>());
      if (!connections.back()->open(options.address, options.tls ? tls_context : nullptr, name,
                                    nullptr, make_get_request(options.path, name, false))) {
        ++failed;
        continue;
      }
      epoll.add(connections.back()->fd(), index);
      ++opening;
    }
  };

  bool ready = false;
  bool stop = false;
  std::vector<epoll_event> events(256);
  open_next();
  while (!stop) {
    if (!ready && idle + failed == target) {
      ready = true;
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      std::printf("{\"mode\":\"idle\",\"open\":%zu,\"failed\":%zu,\"seconds\":%.3f}\n", idle,
                  failed, seconds);
      std::fflush(stdout);
    }
    if (!ready && Clock::now() - start > open_limit) {
      std::fprintf(stderr, "portico_bench_load: only %zu of %zu connections open after %lld s\n",
                   idle, target, static_cast<long long>(open_limit.count()));
      return 1;
    }
    const int count = epoll.wait(events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < count; ++e) {
      const std::uint64_t key = events[static_cast<std::size_t>(e)].data.u64;
      if (key == signal_key) {
        stop = true;
        continue;
      }
      ClientConnection& connection = *connections[key];
      if (connection.fd() < 0) continue;
      const Progress progress = connection.drive();
      if (progress == Progress::waiting) continue;
      if (progress == Progress::response_done && connection.keep_alive()) {
        connection.hold_idle();
        --opening;
        ++idle;
        if (connection.drive() == Progress::peer_closed) {  // closed right after the response
          connection.close();
          ++closed_by_peer;
        }
      } else if (progress == Progress::peer_closed) {
        connection.close();
        ++closed_by_peer;
      } else {  // failed, or a response that closes the connection
        connection.close();
        --opening;
        ++failed;
      }
    }
    open_next();
  }
  std::printf("{\"mode\":\"idle\",\"still_open\":%zu,\"closed_by_peer\":%zu}\n",
              idle - closed_by_peer, closed_by_peer);
  std::fflush(stdout);
  ::close(signals);
  return 0;
}

}  // namespace portico::bench
