// bench/tools/load/client_connection: one non-blocking client connection (plain or TLS) as a
// small state machine: connect -> handshake -> write request -> read response. The event loop
// calls drive() whenever epoll reports the socket; drive() goes as far as it can without
// blocking, so edge-triggered epoll is enough.
#pragma once

#include <netinet/in.h>
#include <openssl/ssl.h>

#include <string>

#include "bench/tools/load/response_parser.hpp"

namespace portico::bench {

class ClientConnection {
 public:
  enum class Progress {
    waiting,        // would block: wait for the next epoll event
    response_done,  // a whole response was read (status(), keep_alive())
    failed,         // connect, TLS or protocol error, or a reset
    peer_closed,    // idle: the peer closed the connection
  };

  ClientConnection() = default;
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;
  ~ClientConnection() { close(); }

  // Starts a non-blocking connect; with `tls_context`, a TLS handshake with SNI `name` follows,
  // offering `session` when not null. The request is sent as soon as the connection is up.
  // Returns false (and stays closed) if no socket could be made.
  bool open(const sockaddr_in& address, SSL_CTX* tls_context, const std::string& name,
            SSL_SESSION* session, std::string request);

  // Queues the next request on a connection whose last response is done (keep-alive).
  void send(std::string request);

  // After response_done: keep reading only to notice the peer closing (idle mode).
  void hold_idle();

  Progress drive();
  void close();

  int fd() const noexcept { return fd_; }
  SSL* ssl() const noexcept { return ssl_; }
  unsigned status() const noexcept { return parser_.status(); }
  bool keep_alive() const noexcept { return parser_.keep_alive(); }

 private:
  enum class Step { closed, connecting, handshaking, writing, reading, done, idle };
  enum class Read { data, end_of_stream, would_block, failed };

  Progress connect_done();
  Progress handshake();
  Progress write_request();
  Progress read_response();
  Progress watch_idle();
  Read read_some(char* buffer, std::size_t capacity, std::size_t& size);
  // n < 0 from recv/SSL_read: would block (true) or failed (false).
  bool would_block(int result) const;

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  Step step_ = Step::closed;
  std::string request_;
  std::size_t written_ = 0;
  ResponseParser parser_;
};

}  // namespace portico::bench
