// bench/tools/load/client_connection: see the header.
#include "bench/tools/load/client_connection.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace portico::bench {
namespace {

constexpr std::size_t read_buffer_size = std::size_t{16} * 1024;

}  // namespace

bool ClientConnection::open(const sockaddr_in& address, SSL_CTX* tls_context,
                            const std::string& name, SSL_SESSION* session, std::string request) {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (tls_context != nullptr) {
    ssl_ = SSL_new(tls_context);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1 ||
        SSL_set_tlsext_host_name(ssl_, name.c_str()) != 1 ||
        (session != nullptr && SSL_set_session(ssl_, session) != 1)) {
      close();
      return false;
    }
    SSL_set_connect_state(ssl_);
  }
  request_ = std::move(request);
  written_ = 0;
  parser_.reset();
  const int result = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  if (result != 0 && errno != EINPROGRESS) {
    close();
    return false;
  }
  step_ = Step::connecting;
  return true;
}

void ClientConnection::send(std::string request) {
  request_ = std::move(request);
  written_ = 0;
  parser_.reset();
  step_ = Step::writing;
}

void ClientConnection::hold_idle() { step_ = Step::idle; }

void ClientConnection::close() {
  if (ssl_ != nullptr) {
    // No close_notify is sent: the tool measures servers, not orderly shutdowns. After a whole
    // response, mark the connection as shut down all the same: OpenSSL marks the session of
    // a connection freed in any other state not resumable, and the session is shared with the
    // copy kept for resuming.
    if (step_ == Step::done || step_ == Step::idle) {
      SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  step_ = Step::closed;
}

ClientConnection::Progress ClientConnection::drive() {
  for (;;) {
    Progress progress = Progress::waiting;
    const Step before = step_;
    switch (step_) {
      case Step::connecting:
        progress = connect_done();
        break;
      case Step::handshaking:
        progress = handshake();
        break;
      case Step::writing:
        progress = write_request();
        break;
      case Step::reading:
        progress = read_response();
        break;
      case Step::idle:
        progress = watch_idle();
        break;
      case Step::done:
      case Step::closed:
        return Progress::waiting;
    }
    if (progress != Progress::waiting || step_ == before) return progress;
  }
}

ClientConnection::Progress ClientConnection::connect_done() {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
    return Progress::failed;
  }
  sockaddr_in peer{};
  socklen_t peer_length = sizeof peer;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) {
    return errno == ENOTCONN ? Progress::waiting : Progress::failed;  // still connecting
  }
  step_ = ssl_ != nullptr ? Step::handshaking : Step::writing;
  return Progress::waiting;
}

ClientConnection::Progress ClientConnection::handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    step_ = Step::writing;
    return Progress::waiting;
  }
  return would_block(result) ? Progress::waiting : Progress::failed;
}

ClientConnection::Progress ClientConnection::write_request() {
  while (written_ < request_.size()) {
    const char* data = request_.data() + written_;
    const std::size_t size = request_.size() - written_;
    long result = 0;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      result = SSL_write(ssl_, data, static_cast<int>(size));
    } else {
      result = ::send(fd_, data, size, MSG_NOSIGNAL);
    }
    if (result <= 0)
      return would_block(static_cast<int>(result)) ? Progress::waiting : Progress::failed;
    written_ += static_cast<std::size_t>(result);
  }
  step_ = Step::reading;
  return Progress::waiting;
}

ClientConnection::Progress ClientConnection::read_response() {
  char buffer[read_buffer_size];
  for (;;) {
    std::size_t size = 0;
    switch (read_some(buffer, sizeof buffer, size)) {
      case Read::data:
        switch (parser_.feed(std::string_view(buffer, size))) {
          case ResponseParser::Result::need_more:
            continue;
          case ResponseParser::Result::malformed:
            return Progress::failed;
          case ResponseParser::Result::complete:
            step_ = Step::done;
            return Progress::response_done;
        }
        return Progress::failed;
      case Read::end_of_stream:
        if (parser_.finish() != ResponseParser::Result::complete) return Progress::failed;
        step_ = Step::done;
        return Progress::response_done;
      case Read::would_block:
        return Progress::waiting;
      case Read::failed:
        return Progress::failed;
    }
  }
}

ClientConnection::Progress ClientConnection::watch_idle() {
  char buffer[512];
  for (;;) {
    std::size_t size = 0;
    switch (read_some(buffer, sizeof buffer, size)) {
      case Read::data:
        continue;  // an idle connection gets no data (TLS: late session tickets)
      case Read::would_block:
        return Progress::waiting;
      case Read::end_of_stream:
      case Read::failed:
        return Progress::peer_closed;
    }
  }
}

// The client context sets SSL_OP_IGNORE_UNEXPECTED_EOF, so a close without close_notify reads
// as SSL_ERROR_ZERO_RETURN like an orderly one: servers differ there and it is not an error.
ClientConnection::Read ClientConnection::read_some(char* buffer, std::size_t capacity,
                                                   std::size_t& size) {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    const int result = SSL_read(ssl_, buffer, static_cast<int>(capacity));
    if (result > 0) {
      size = static_cast<std::size_t>(result);
      return Read::data;
    }
    switch (SSL_get_error(ssl_, result)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        return Read::would_block;
      case SSL_ERROR_ZERO_RETURN:
        return Read::end_of_stream;
      default:
        return Read::failed;
    }
  }
  const ssize_t result = ::recv(fd_, buffer, capacity, 0);
  if (result > 0) {
    size = static_cast<std::size_t>(result);
    return Read::data;
  }
  if (result == 0) return Read::end_of_stream;
  return errno == EAGAIN || errno == EWOULDBLOCK ? Read::would_block : Read::failed;
}

bool ClientConnection::would_block(int result) const {
  if (ssl_ != nullptr) {
    const int error = SSL_get_error(ssl_, result);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
  }
  return result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace portico::bench
