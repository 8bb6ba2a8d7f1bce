// upstream/pool: one worker's keep-alive connections to the portal application servers,
// round-robin over [upstream] servers. Owned by one worker thread: no locks, no sharing.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/config/model.hpp"
#include "proxy/upstream/health.hpp"

namespace portico::upstream {

struct Connection {
  explicit Connection(boost::asio::any_io_executor executor) : stream(std::move(executor)) {}
  boost::beast::tcp_stream stream;
  boost::beast::flat_buffer buffer;  // bytes read from the upstream, not yet parsed
  std::string server;                // "host:port", the pool key
  bool reused = false;               // came from the idle pool (may have gone stale)
};

// What acquiring a connection ran into, for the metrics.
struct AcquireReport {
  unsigned connect_errors = 0;    // refused, unreachable, reset
  unsigned connect_timeouts = 0;  // no answer within connect_timeout
  bool none_available = false;    // every server was out (or had failed) before a connect
};

class Pool {
 public:
  explicit Pool(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  // A connection to the next available server in round-robin order: an idle one that still
  // looks alive, or a new one connected within `connect_timeout`. A server that fails to
  // connect is reported to `health` and the next available one is tried (nothing has been
  // sent yet, so this is always safe). Null when no server could be reached: `ec` is the
  // last connect error, or unset with report.none_available when no server was available.
  boost::asio::awaitable<std::unique_ptr<Connection>> acquire(
      const config::UpstreamSection& upstream, UpstreamHealth& health, AcquireReport& report,
      boost::system::error_code& ec);

  // A fresh connection to the same server as `failed` (used to retry a request whose
  // reused connection turned out to be closed).
  boost::asio::awaitable<std::unique_ptr<Connection>> reconnect(
      const config::UpstreamSection& upstream, const std::string& server,
      boost::system::error_code& ec);

  // Returns a connection whose last response ended cleanly; kept if under the idle cap.
  void release(std::unique_ptr<Connection> connection, std::uint64_t max_idle);

  // Closes every idle connection (drain, reload of the server list).
  void close_idle();

  std::size_t idle_count() const noexcept { return idle_total_; }
  std::uint64_t connects() const noexcept { return connects_; }

 private:
  boost::asio::awaitable<std::unique_ptr<Connection>> connect(const config::UpstreamSection& upstream,
                                                               const config::Endpoint& server,
                                                               boost::system::error_code& ec);
  static bool looks_alive(Connection& connection);

  boost::asio::any_io_executor executor_;
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept { return std::hash<std::string_view>{}(name); }
  };
  template <class Value>
  using ByServer = std::unordered_map<std::string, Value, NameHash, std::equal_to<>>;
  ByServer<std::vector<std::unique_ptr<Connection>>> idle_;
  ByServer<boost::asio::ip::tcp::resolver::results_type> resolved_;
  std::size_t next_server_ = 0;
  std::size_t idle_total_ = 0;
  std::uint64_t connects_ = 0;
};

}  // namespace portico::upstream
