// http/parking_lot: a second epoll set per worker, watched by Asio as one descriptor, holds
// the parked connections; a readable one is taken out of it and handed back to Asio.
#include "proxy/http/parking_lot.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <cstring>

namespace portico::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Readable (the next request, or the client's FIN): wake. One-shot, so a woken connection,
// while a session serves it, stays in the set disarmed (no events, no syscall to remove it)
// and is re-armed with one EPOLL_CTL_MOD when it parks again; closing it removes it.
constexpr std::uint32_t parked_events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
constexpr int wake_batch = 64;

int open_epoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    throw boost::system::system_error(errno, boost::system::system_category(), "epoll_create1 (parking lot)");
  }
  return fd;
}

void fill_address(ParkedConnection& record, const std::string& text) {
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(text, ec);
  if (ec || address.is_v4()) {
    record.address_v4 = true;
    const auto bytes = ec ? asio::ip::address_v4::bytes_type{} : address.to_v4().to_bytes();
    std::memcpy(record.address.data(), bytes.data(), bytes.size());
  } else {
    const auto bytes = address.to_v6().to_bytes();
    std::memcpy(record.address.data(), bytes.data(), bytes.size());
  }
}

ClientSide client_side(const ParkedConnection& record) {
  ClientSide client;
  if (record.address_v4) {
    asio::ip::address_v4::bytes_type bytes;
    std::memcpy(bytes.data(), record.address.data(), bytes.size());
    client.address = asio::ip::address_v4(bytes).to_string();
  } else {
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), record.address.data(), bytes.size());
    client.address = asio::ip::address_v6(bytes).to_string();
  }
  client.local_port = record.local_port;
  client.https_port = record.https_port;
  return client;
}

}  // namespace

ParkingLot::ParkingLot(asio::io_context& io, Resume resume, Closed closed)
    : io_(io),
      resume_(std::move(resume)),
      closed_(std::move(closed)),
      epoll_fd_(open_epoll()),
      descriptor_(io, epoll_fd_),
      timer_(io),
      grace_timer_(io) {
  wait_for_wake_ups();
}

ParkingLot::~ParkingLot() {
  while (auto connection = parked_.take_any()) ::close(connection->fd);
}

bool ParkingLot::park(tcp::socket& socket, const ClientSide& client, std::chrono::milliseconds idle_timeout,
                      bool woken_before) {
  boost::system::error_code ec;
  if (!open_) {
    socket.close(ec);
    return false;
  }
  ParkedConnection record;
  fill_address(record, client.address);
  record.local_port = client.local_port;
  record.https_port = client.https_port;
  record.deadline = std::chrono::steady_clock::now() + idle_timeout;
  record.fd = socket.release(ec);  // out of Asio's epoll set; its per-socket state is freed
  if (ec) {
    socket.close(ec);
    return false;
  }
  const std::optional<ParkedSet::Key> key = parked_.add(record);
  if (!key) {
    ::close(record.fd);
    return false;
  }
  epoll_event event{};
  event.events = parked_events;
  event.data.u64 = *key;
  const int operation = woken_before ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  int result = ::epoll_ctl(epoll_fd_, operation, record.fd, &event);
  if (result != 0 && (errno == ENOENT || errno == EEXIST)) {
    result = ::epoll_ctl(epoll_fd_, operation == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, record.fd, &event);
  }
  if (result != 0) {
    parked_.take(*key);
    ::close(record.fd);
    return false;
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  arm_timer();
  return true;
}

void ParkingLot::begin_grace(Waiting& waiting, tcp::socket& socket) {
  waiting.socket = &socket;
  waiting.since = std::chrono::steady_clock::now();
  waiting.prev = grace_tail_;
  waiting.next = nullptr;
  if (grace_tail_ != nullptr) {
    grace_tail_->next = &waiting;
  } else {
    grace_head_ = &waiting;
  }
  grace_tail_ = &waiting;
  if (grace_timer_armed_) return;  // set for an earlier grace; it sets itself again after
  grace_timer_armed_ = true;
  grace_timer_.expires_at(waiting.since + grace);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    grace_timer_armed_ = false;
    if (!ec) end_graces();
  });
}

void ParkingLot::end_grace(Waiting& waiting) {
  if (waiting.socket == nullptr) return;  // ended by end_graces()
  if (waiting.prev != nullptr) {
    waiting.prev->next = waiting.next;
  } else {
    grace_head_ = waiting.next;
  }
  if (waiting.next != nullptr) {
    waiting.next->prev = waiting.prev;
  } else {
    grace_tail_ = waiting.prev;
  }
  waiting.socket = nullptr;
}

// The graces that are over end with their read cancelled (no syscall: Asio only completes
// the pending operation); the timer is set for the next one.
void ParkingLot::end_graces() {
  const auto now = std::chrono::steady_clock::now();
  while (grace_head_ != nullptr && grace_head_->since + grace <= now) {
    Waiting& over = *grace_head_;
    boost::system::error_code ignored;
    over.socket->cancel(ignored);
    over.grace_over = true;
    end_grace(over);
  }
  if (grace_head_ == nullptr) return;
  grace_timer_armed_ = true;
  grace_timer_.expires_at(grace_head_->since + grace);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    grace_timer_armed_ = false;
    if (!ec) end_graces();
  });
}

void ParkingLot::close_all() {
  open_ = false;
  while (auto connection = parked_.take_any()) close_parked(*connection);
  boost::system::error_code ignored;
  timer_.cancel();
  grace_timer_.cancel();  // sessions in their grace are idle: the drain closes their sockets
  timer_at_ = std::chrono::steady_clock::time_point::max();
  descriptor_.close(ignored);  // nothing left waiting: the worker's io_context may run out of work
}

void ParkingLot::wait_for_wake_ups() {
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;  // closed by close_all()
    wake_up();
    if (open_) wait_for_wake_ups();
  });
}

// Several connections may wake at once: all that epoll reports now are resumed.
void ParkingLot::wake_up() {
  std::array<epoll_event, wake_batch> events;
  int count = wake_batch;
  while (count == wake_batch) {
    count = ::epoll_wait(epoll_fd_, events.data(), wake_batch, 0);
    for (int i = 0; i < count; ++i) {
      // A key whose connection left meanwhile finds nothing (a stale event of this batch).
      auto connection = parked_.take(events[static_cast<std::size_t>(i)].data.u64);
      if (!connection) continue;
      count_.fetch_sub(1, std::memory_order_relaxed);
      boost::system::error_code ec;
      tcp::socket socket(io_);
      socket.assign(connection->address_v4 ? tcp::v4() : tcp::v6(), connection->fd, ec);
      if (ec) {
        ::close(connection->fd);
        closed_();
        continue;
      }
      resume_(std::move(socket), client_side(*connection));
    }
  }
}

// One timer for the whole lot, at the earliest deadline. Records leaving early do not move
// it: it fires, finds nothing due, and is set for the next deadline.
void ParkingLot::arm_timer() {
  if (parked_.empty() || parked_.first_deadline() >= timer_at_) return;
  timer_at_ = parked_.first_deadline();
  timer_.expires_at(timer_at_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // set again for an earlier deadline, or close_all()
    timer_at_ = std::chrono::steady_clock::time_point::max();
    close_expired();
    arm_timer();
  });
}

void ParkingLot::close_expired() {
  const auto now = std::chrono::steady_clock::now();
  while (auto connection = parked_.take_expired(now)) close_parked(*connection);
}

void ParkingLot::close_parked(const ParkedConnection& connection) {
  ::close(connection.fd);  // also leaves the epoll set
  count_.fetch_sub(1, std::memory_order_relaxed);
  closed_();
}

}  // namespace portico::http
