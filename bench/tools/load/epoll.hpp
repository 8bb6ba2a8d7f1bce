// bench/tools/load/epoll: a minimal owner of an epoll instance; every fd is registered
// edge-triggered for reading and writing, with a caller-chosen key.
#pragma once

#include <sys/epoll.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace portico::bench {

class Epoll {
 public:
  Epoll() : fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("epoll_create1 failed");
  }
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;
  ~Epoll() { ::close(fd_); }

  void add(int fd, std::uint64_t key) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = key;
    if (::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &event) != 0)
      throw std::runtime_error("epoll_ctl failed");
  }

  // Ready events, 0 on timeout or EINTR (the caller loops either way).
  int wait(epoll_event* events, int capacity, int timeout_ms) {
    const int count = ::epoll_wait(fd_, events, capacity, timeout_ms);
    return count < 0 ? 0 : count;
  }

 private:
  int fd_;
};

}  // namespace portico::bench
