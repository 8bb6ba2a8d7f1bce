// app/worker: accept loops and the worker thread.
#include "proxy/app/worker.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <string_view>

#include "proxy/core/heap_pages.hpp"
#include "proxy/http/exchange_impl.hpp"
#include "proxy/observe/log.hpp"

namespace portico::app {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// accept() failing for lack of descriptors or memory leaves the connection in the backlog,
// so accepting again at once fails again: wait a little instead of spinning (nginx and
// HAProxy pause accepting the same way). Other errors concern one connection only.
constexpr auto accept_backoff = std::chrono::milliseconds(100);

bool out_of_resources(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec == boost::system::errc::too_many_files_open_in_system;
}

// What a plain-http client gets at the cap, written without a coroutine or a request id:
// the connection is refused before anything is read from it.
constexpr std::string_view refusal =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Server: portico\r\n"
    "Connection: close\r\n"
    "Retry-After: 1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 42\r\n"
    "\r\n"
    "503 Service Unavailable: too many clients\n";

}  // namespace

Worker::Worker(const config::SnapshotStore& store, const std::atomic<bool>& draining,
               std::atomic<std::size_t>& process_connections, observe::WorkerMetrics& metrics,
               observe::AccessLog& access_log, activity::ActivityService* activity,
               acme::AcmeManager* acme)
    : snapshots_(store),
      pool_(io_.get_executor()),
      parking_(io_, [this](tcp::socket socket, http::ClientSide side) { serve_plain(std::move(socket), std::move(side), true); },
               [this] { connection_closed(); }),
      sessions_(parking_),
      context_{io_.get_executor(), snapshots_, pool_, relay_buffers_, request_ids_, sessions_, draining,
               metrics, access_log, activity, acme},
      metrics_(metrics),
      process_connections_(process_connections) {}

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
  thread_ = std::thread([this] {
    core::use_small_pages_for_this_threads_heap();  // per-connection memory: no 2 MiB steps
    io_.run();
  });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

asio::awaitable<void> Worker::accept_loop(Acceptor& acceptor) {
  asio::steady_timer backoff(io_);
  for (;;) {
    auto [ec, socket] = co_await acceptor.acceptor.async_accept(http::nothrow_awaitable);
    if (ec == asio::error::operation_aborted || !acceptor.acceptor.is_open()) co_return;
    if (ec) {
      // The listener must never die nor spin: log, and pause when out of descriptors.
      observe::log(observe::LogLevel::warn, "accept failed", {{"error", ec.message()}});
      if (out_of_resources(ec)) {
        backoff.expires_after(accept_backoff);
        auto [wait_ec] = co_await backoff.async_wait(http::nothrow_awaitable);
        (void)wait_ec;
      }
      continue;
    }
    if (!admit_connection()) {
      refuse_connection(socket, acceptor.side.tls);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    http::ClientSide side = acceptor.side;
    side.address = socket.remote_endpoint(ec).address().to_string();
    ++open_connections_;
    metrics_.connection_opened();
    if (side.tls) {
      asio::co_spawn(io_, http::serve_tls_connection(context_, std::move(socket), std::move(side)),
                     [this](std::exception_ptr) { connection_closed(); });
    } else {
      serve_plain(std::move(socket), std::move(side), false);
    }
  }
}

// A session on a new plain connection, or on a parked one the client woke. When the session
// parks its connection, the connection stays open and counted; the lot reports its close.
void Worker::serve_plain(tcp::socket socket, http::ClientSide side, bool woken) {
  asio::co_spawn(io_, http::serve_plain_connection(context_, std::move(socket), std::move(side), woken),
                 [this](std::exception_ptr, bool parked) {
                   if (!parked) connection_closed();
                 });
}

void Worker::connection_closed() {
  --open_connections_;
  process_connections_.fetch_sub(1, std::memory_order_relaxed);
  metrics_.connection_closed();
}

// One slot of [limits] max_connections (whole process), taken before the connection is served
// and given back when it ends. The limit is read from the current snapshot, so it reloads.
bool Worker::admit_connection() {
  const std::uint64_t limit = snapshots_.get()->config.limits.max_connections;
  if (process_connections_.fetch_add(1, std::memory_order_relaxed) < limit) return true;
  process_connections_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

// Over the cap: accepted and closed at once (leaving it in the backlog would only delay the
// client until its own timeout). Plain http gets a 503 first, written without blocking into
// the new socket's empty send buffer; TLS is just closed, since answering would cost a
// handshake, the very work the cap sheds. Bytes the client already sent are read and
// dropped first, so that the close is a FIN and not a reset that could discard the 503.
void Worker::refuse_connection(tcp::socket& socket, bool tls) {
  metrics_.connections_refused.inc();
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  if (!tls) {
    socket.send(asio::buffer(refusal), 0, ignored);
    std::array<char, 4096> discard;
    for (int reads = 0; reads < 4; ++reads) {
      boost::system::error_code read_ec;
      socket.receive(asio::buffer(discard), 0, read_ec);
      if (read_ec) break;
    }
  }
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
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
