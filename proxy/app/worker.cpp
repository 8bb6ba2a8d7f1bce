// app/worker: accept loops and the worker thread.
#include "proxy/app/worker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "proxy/http/exchange_impl.hpp"
#include "proxy/observe/log.hpp"

namespace portico::app {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Worker::Worker(const config::SnapshotStore& store, const std::atomic<bool>& draining,
               observe::WorkerMetrics& metrics, observe::AccessLog& access_log,
               activity::ActivityService* activity, acme::AcmeManager* acme)
    : snapshots_(store),
      pool_(io_.get_executor()),
      context_{io_.get_executor(), snapshots_, pool_, relay_buffers_, request_ids_, sessions_, draining,
               metrics, access_log, activity, acme},
      metrics_(metrics) {}

tcp::endpoint Worker::listen(const ListenerSpec& spec, std::uint16_t https_port,
                             boost::system::error_code& ec) {
  auto acceptor = std::make_unique<Acceptor>(Acceptor{tcp::acceptor(io_), {}});
  auto& socket = acceptor->acceptor;
  socket.open(spec.endpoint.protocol(), ec);
  if (ec) return {};
  socket.set_option(tcp::acceptor::reuse_address(true), ec);
  int one = 1;
  // Every worker binds the same port; the kernel spreads new connections across them.
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  socket.bind(spec.endpoint, ec);
  if (ec) return {};
  socket.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return {};
  tcp::endpoint bound = socket.local_endpoint(ec);
  acceptor->side.tls = spec.tls;
  acceptor->side.local_port = bound.port();
  acceptor->side.https_port = https_port;
  acceptors_.push_back(std::move(acceptor));
  return bound;
}

void Worker::start() {
  for (auto& acceptor : acceptors_) asio::co_spawn(io_, accept_loop(*acceptor), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

asio::awaitable<void> Worker::accept_loop(Acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.acceptor.async_accept(http::nothrow_awaitable);
    if (ec == asio::error::operation_aborted || !acceptor.acceptor.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: log and keep accepting; the listener must not die.
      observe::log(observe::LogLevel::warn, "accept failed", {{"error", ec.message()}});
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    http::ClientSide side = acceptor.side;
    side.address = socket.remote_endpoint(ec).address().to_string();
    ++open_connections_;
    metrics_.connection_opened();
    auto done = [this](std::exception_ptr) {
      --open_connections_;
      metrics_.connection_closed();
    };
    if (side.tls) {
      asio::co_spawn(io_, http::serve_tls_connection(context_, std::move(socket), std::move(side)), done);
    } else {
      asio::co_spawn(io_, http::serve_plain_connection(context_, std::move(socket), std::move(side)), done);
    }
  }
}

void Worker::begin_drain() {
  asio::post(io_, [this] {
    for (auto& acceptor : acceptors_) {
      boost::system::error_code ignored;
      acceptor->acceptor.close(ignored);
    }
    sessions_.close_idle();
    pool_.close_idle();
  });
}

void Worker::cut_all() {
  asio::post(io_, [this] {
    sessions_.close_all();
    io_.stop();
  });
}

}  // namespace portico::app
