// demo_app/server: the listener and worker threads: one io_context per thread, one
// acceptor handing connections round-robin to the workers, SIGINT/SIGTERM to stop.
#pragma once

#include "tests/demo_app/app_state.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace portico::demo {

struct ServerOptions {
  boost::asio::ip::tcp::endpoint listen;
  std::size_t threads = 1;
};

class Server {
 public:
  // Binds and listens (throws boost::system::system_error when it cannot), so the caller
  // can announce the port before run().
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_->local_endpoint(); }

  // Serves until SIGINT or SIGTERM; connections still open then are dropped.
  void run();

 private:
  boost::asio::awaitable<void> accept_loop();

  AppState app_;  // first: sessions on every context refer to it until they are destroyed
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;  // on contexts_[0]
  // Installed before the port is announced, so a SIGTERM right after it is still clean.
  std::optional<boost::asio::signal_set> signals_;          // on contexts_[0]
};

}  // namespace portico::demo
