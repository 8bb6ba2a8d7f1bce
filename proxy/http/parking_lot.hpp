// http/parking_lot: where a worker keeps its idle plain-http keep-alive connections with no
// session running: the socket leaves Asio, a 56-byte record (parked_set.hpp) and the
// kernel's epoll entry are all that remain, and one timer per worker closes them when they
// idle out. A client's next bytes wake the connection and a new session is started on it.
// Also the grace before parking: one list and one timer per worker (docs/decisions.md).
// One worker thread; size() alone may be read from any thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

#include "proxy/http/exchange.hpp"
#include "proxy/http/parked_set.hpp"

namespace portico::http {

class ParkingLot {
 public:
  // A session that answered a request and found nothing of the next one waits for it this
  // long with its read pending before it parks: a client that sends its next request at
  // once (keep-alive under load) keeps its session, and pays no park and wake-up.
  static constexpr std::chrono::milliseconds grace{10};

  // One session in its grace: linked into the lot's list (it lives in the session's
  // coroutine frame), its socket's pending read cancelled when the grace ends.
  struct Waiting {
    boost::asio::ip::tcp::socket* socket = nullptr;
    std::chrono::steady_clock::time_point since{};
    bool grace_over = false;  // the lot cancelled the read: park
    Waiting* prev = nullptr;
    Waiting* next = nullptr;
  };
  // Starts the grace of a session about to read `socket`; end_grace() when the read is done.
  void begin_grace(Waiting& waiting, boost::asio::ip::tcp::socket& socket);
  void end_grace(Waiting& waiting);

  // `resume` starts a session on a woken connection (its socket back in Asio); `closed`
  // is called once for every connection the lot closes (idle timeout, drain), so that the
  // worker counts it as gone.
  using Resume = std::function<void(boost::asio::ip::tcp::socket, ClientSide)>;
  using Closed = std::function<void()>;
  ParkingLot(boost::asio::io_context& io, Resume resume, Closed closed);
  ~ParkingLot();  // closes what is still parked, without callbacks
  ParkingLot(const ParkingLot&) = delete;
  ParkingLot& operator=(const ParkingLot&) = delete;

  // Parks an idle connection: no request in flight, nothing buffered, nothing pending on
  // `socket`, whose descriptor is taken out of Asio (the socket is left closed). It idles
  // out `idle_timeout` from now. `woken_before`: the session was started by resume(), so
  // the descriptor is still in the lot's epoll set (disarmed). False when it could not be
  // parked: the connection is closed then, and the caller counts it as closed.
  bool park(boost::asio::ip::tcp::socket& socket, const ClientSide& client,
            std::chrono::milliseconds idle_timeout, bool woken_before);

  // Drain: closes every parked connection at once and parks no more (park() closes).
  void close_all();

  std::size_t size() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  void wait_for_wake_ups();
  void wake_up();
  void arm_timer();
  void close_expired();
  void close_parked(const ParkedConnection& connection);
  void end_graces();

  boost::asio::io_context& io_;
  Resume resume_;
  Closed closed_;
  int epoll_fd_ = -1;  // owned by descriptor_
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point timer_at_ = std::chrono::steady_clock::time_point::max();
  boost::asio::steady_timer grace_timer_;
  bool grace_timer_armed_ = false;
  Waiting* grace_head_ = nullptr;  // in order of `since`: the grace is the same for all
  Waiting* grace_tail_ = nullptr;
  ParkedSet parked_;
  std::atomic<std::size_t> count_{0};
  bool open_ = true;
};

}  // namespace portico::http
