// demo_app/server: accept loop and thread lifecycle. Each worker's io_context is run by
// exactly one thread, so a session never needs a strand.
#include "tests/demo_app/server.hpp"

#include "tests/demo_app/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <exception>
#include <iostream>
#include <thread>

namespace portico::demo {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);

void log_exception(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::cerr << "demo_portal: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "demo_portal: unknown exception\n";
  }
}

// A handler that throws must not take a worker down with it.
void run_context(net::io_context& context) {
  for (;;) {
    try {
      context.run();
      return;
    } catch (...) {
      log_exception(std::current_exception());
    }
  }
}

}  // namespace

Server::Server(const ServerOptions& options) {
  const std::size_t threads = options.threads == 0 ? 1 : options.threads;
  for (std::size_t i = 0; i < threads; ++i) contexts_.push_back(std::make_unique<net::io_context>(1));
  acceptor_.emplace(*contexts_.front());
  acceptor_->open(options.listen.protocol());
  acceptor_->set_option(tcp::acceptor::reuse_address(true));
  acceptor_->bind(options.listen);
  acceptor_->listen(net::socket_base::max_listen_connections);
  signals_.emplace(*contexts_.front(), SIGINT, SIGTERM);
}

Server::~Server() {
  // contexts_[0] holds the pending accept, whose new socket belongs to another worker's
  // context: destroy it first, while every worker context is still alive.
  signals_.reset();
  acceptor_.reset();
  for (auto& context : contexts_) context.reset();
}

void Server::run() {
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  for (auto& context : contexts_) keep_running.push_back(net::make_work_guard(*context));

  signals_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    for (auto& context : contexts_) context->stop();
  });
  net::co_spawn(*contexts_.front(), accept_loop(), log_exception);

  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    workers.emplace_back([&context = *contexts_[i]] { run_context(context); });
  }
  run_context(*contexts_.front());
  for (auto& context : contexts_) context->stop();
  for (auto& worker : workers) worker.join();
}

net::awaitable<void> Server::accept_loop() {
  std::size_t next = 0;
  for (;;) {
    auto& worker = *contexts_[next];
    auto [ec, socket] = co_await acceptor_->async_accept(net::any_io_executor(worker.get_executor()), use_tuple);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors and the like: back off instead of spinning on the error.
      std::cerr << "demo_portal: accept: " << ec.message() << '\n';
      net::steady_timer backoff(acceptor_->get_executor(), kAcceptBackoff);
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    next = (next + 1) % contexts_.size();
    app_.stats.accepts.fetch_add(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    ConnectionGuard guard(app_.stats);
    net::co_spawn(worker, run_session(std::move(socket), app_, std::move(guard)), log_exception);
  }
}

}  // namespace portico::demo
