// http/session: one client connection: a keep-alive loop of exchanges, idle timeout,
// drain. The registry lets a draining worker close its idle connections, the parked ones
// (parking_lot.hpp) included.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <functional>
#include <list>

#include "proxy/http/exchange.hpp"
#include "proxy/http/parking_lot.hpp"
#include "proxy/http/worker_context.hpp"

namespace portico::http {

// The sessions of one worker thread (used from that thread only).
class SessionRegistry {
 public:
  struct Entry {
    std::function<void()> close;  // closes the connection's socket
    bool idle = true;             // waiting for the next request, none in flight
  };
  using Handle = std::list<Entry>::iterator;

  explicit SessionRegistry(ParkingLot& parking) : parking_(parking) {}

  Handle add(std::function<void()> close) { return entries_.insert(entries_.end(), {std::move(close), true}); }
  void remove(Handle handle) { entries_.erase(handle); }
  std::size_t size() const noexcept { return entries_.size(); }

  // Drain: every connection waiting for a request is closed; busy ones finish their
  // exchange and then see `draining`.
  void close_idle() {
    for (auto& entry : entries_) {
      if (entry.idle) entry.close();
    }
    parking_.close_all();
  }
  void close_all() {
    for (auto& entry : entries_) entry.close();
    parking_.close_all();
  }

  // Idle plain-http connections with no session: their next request starts a new one.
  ParkingLot& parking() noexcept { return parking_; }

 private:
  std::list<Entry> entries_;
  ParkingLot& parking_;
};

// Serves a plaintext client connection until it closes, idles out, or the worker drains,
// or until it waits for a next request that has not arrived: then it parks the connection
// in worker.sessions.parking() and returns true (the connection stays open, with no
// session; the lot starts a new one when the client sends again). `woken`: started by the
// parking lot on a connection that became readable. False: the connection is closed.
boost::asio::awaitable<bool> serve_plain_connection(WorkerContext& worker,
                                                    boost::asio::ip::tcp::socket socket,
                                                    ClientSide client, bool woken);

// Serves a TLS client connection: handshake (within header_timeout) with the certificate
// store of the current snapshot, then the same loop; close_notify at the end.
boost::asio::awaitable<void> serve_tls_connection(WorkerContext& worker,
                                                  boost::asio::ip::tcp::socket socket,
                                                  ClientSide client);

}  // namespace portico::http
