// http/cancel_deadline: a deadline that cancels a socket's pending operations instead of
// closing the socket (which is what beast::tcp_stream's own timeout does), so that the
// caller can still answer, e.g. 408 after a request head that did not arrive in time.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace portico::http {

class CancelDeadline {
 public:
  CancelDeadline(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout)
      : state_(std::make_shared<State>(socket.get_executor())) {
    state_->timer.expires_after(timeout);
    // The handler may run after this object is gone (cancel only queues it): it touches the
    // socket only while the deadline is still armed.
    state_->timer.async_wait([state = state_, &socket](const boost::system::error_code& ec) {
      if (ec || state->disarmed) return;
      state->fired = true;
      boost::system::error_code ignored;
      socket.cancel(ignored);
    });
  }
  ~CancelDeadline() {
    state_->disarmed = true;
    state_->timer.cancel();
  }
  CancelDeadline(const CancelDeadline&) = delete;
  CancelDeadline& operator=(const CancelDeadline&) = delete;

  bool fired() const noexcept { return state_->fired; }

 private:
  struct State {
    explicit State(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
    boost::asio::steady_timer timer;
    bool fired = false;
    bool disarmed = false;
  };
  std::shared_ptr<State> state_;
};

}  // namespace portico::http
