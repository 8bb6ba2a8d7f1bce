// upstream/pool: acquire, connect and keep idle upstream connections for one worker.
#include "proxy/upstream/pool.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::upstream {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
namespace {
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
}

asio::awaitable<std::unique_ptr<Connection>> Pool::acquire(const config::UpstreamSection& upstream,
                                                           UpstreamHealth& health, AcquireReport& report,
                                                           boost::system::error_code& ec) {
  ec = {};
  std::uint64_t tried = 0;
  for (;;) {
    std::optional<std::size_t> index = health.pick(next_server_, tried);
    if (!index) {
      report.none_available = !ec;
      co_return nullptr;
    }
    if (*index < 64) tried |= std::uint64_t{1} << *index;
    const std::string& name = health.name(*index);
    if (auto found = idle_.find(name); found != idle_.end()) {
      auto& idle = found->second;
      while (!idle.empty()) {
        std::unique_ptr<Connection> connection = std::move(idle.back());
        idle.pop_back();
        --idle_total_;
        if (looks_alive(*connection)) {
          connection->reused = true;
          co_return connection;
        }
      }
    }
    std::unique_ptr<Connection> connection = co_await connect(upstream, health.endpoint(*index), ec);
    if (connection) co_return connection;
    ++(ec == beast::error::timeout ? report.connect_timeouts : report.connect_errors);
    health.report_connect_failure(*index);
  }
}

asio::awaitable<std::unique_ptr<Connection>> Pool::reconnect(const config::UpstreamSection& upstream,
                                                             const std::string& server,
                                                             boost::system::error_code& ec) {
  for (const auto& candidate : upstream.servers) {
    if (candidate.to_string() == server) co_return co_await connect(upstream, candidate, ec);
  }
  ec = asio::error::host_not_found;  // the server left the config by a reload
  co_return nullptr;
}

asio::awaitable<std::unique_ptr<Connection>> Pool::connect(const config::UpstreamSection& upstream,
                                                           const config::Endpoint& server,
                                                           boost::system::error_code& ec) {
  std::string key = server.to_string();
  auto resolved = resolved_.find(key);
  if (resolved == resolved_.end()) {
    // Resolved once per worker and server: IP literals resolve without a lookup, and a
    // name is looked up only on the first connect, off the steady-state path.
    tcp::resolver resolver(executor_);
    auto [resolve_ec, results] = co_await resolver.async_resolve(
        server.host, std::to_string(server.port), tcp::resolver::numeric_service, nothrow_awaitable);
    if (resolve_ec) {
      ec = resolve_ec;
      co_return nullptr;
    }
    resolved = resolved_.emplace(key, std::move(results)).first;
  }
  auto connection = std::make_unique<Connection>(executor_);
  connection->server = std::move(key);
  connection->stream.expires_after(upstream.connect_timeout);
  auto [connect_ec, endpoint] =
      co_await connection->stream.async_connect(resolved->second, nothrow_awaitable);
  if (connect_ec) {
    ec = connect_ec;
    co_return nullptr;
  }
  ++connects_;
  connection->stream.socket().set_option(tcp::no_delay(true));
  co_return connection;
}

void Pool::release(std::unique_ptr<Connection> connection, std::uint64_t max_idle) {
  // Leftover bytes after a complete response mean the upstream and we disagree about
  // framing: such a connection is never reused, whether they were already read or are
  // still waiting in the socket (an unasked-for body after a 204, say). Those still in the
  // socket are found when the connection is taken again (looks_alive in acquire), which
  // also sees whatever arrived in between: one probe per reuse, not one here as well.
  if (!connection || connection->buffer.size() != 0 || idle_total_ >= max_idle) return;
  connection->stream.expires_never();
  idle_[connection->server].push_back(std::move(connection));
  ++idle_total_;
}

void Pool::close_idle() {
  idle_.clear();
  idle_total_ = 0;
}

bool Pool::looks_alive(Connection& connection) {
  // An idle upstream connection must have nothing to read: EOF means the server closed
  // it, data means it sent something unasked. Either way it is not reusable.
  char probe;
  auto result = ::recv(connection.stream.socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace portico::upstream
