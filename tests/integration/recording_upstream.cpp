// tests/integration/recording_upstream: the poll() loop, parsing and scripted replies.
#include "tests/integration/recording_upstream.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <cerrno>
#include <stdexcept>

namespace portico::testing {
namespace bhttp = boost::beast::http;

namespace {

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string default_reply() {
  std::string body(RecordingUpstream::default_body);
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

std::vector<std::string> RecordingUpstream::Request::all(const std::string& lowercase_name) const {
  std::vector<std::string> values;
  for (const auto& [name, value] : fields) {
    if (lowercase(name) == lowercase_name) values.push_back(value);
  }
  return values;
}

std::optional<std::string> RecordingUpstream::Request::one(
    const std::string& lowercase_name) const {
  auto values = all(lowercase_name);
  if (values.size() != 1) return std::nullopt;
  return values.front();
}

RecordingUpstream::RecordingUpstream() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("recording upstream: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  set_nonblocking(listen_fd_);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("recording upstream: pipe failed");
  wake_read_ = pipe_fds[0];
  wake_write_ = pipe_fds[1];
  set_nonblocking(wake_read_);
  thread_ = std::thread([this] { loop(); });
}

RecordingUpstream::~RecordingUpstream() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  char byte = 's';
  (void)::write(wake_write_, &byte, 1);
  thread_.join();
  for (auto& connection : connections_) {
    if (!connection->dead) ::close(connection->fd);
  }
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
}

void RecordingUpstream::run_on_loop(std::function<void()> command) {
  std::unique_lock lock(mutex_);
  commands_.push_back(std::move(command));
  std::uint64_t ticket = ++posted_;
  char byte = 'c';
  (void)::write(wake_write_, &byte, 1);
  commands_done_.wait(lock, [&] { return completed_ >= ticket; });
}

void RecordingUpstream::script(std::vector<Reply> replies) {
  std::lock_guard lock(mutex_);
  for (auto& reply : replies) script_.push_back(std::move(reply));
}

void RecordingUpstream::sync() {
  run_on_loop([this] { take_in_everything(); });
}

void RecordingUpstream::drop_connections() {
  run_on_loop([this] {
    take_in_everything();
    for (auto& connection : connections_) close(*connection, false);
    connections_.clear();
    std::lock_guard lock(mutex_);
    script_.clear();
  });
}

void RecordingUpstream::inject(std::size_t number, const std::string& bytes) {
  run_on_loop([this, number, bytes] {
    for (auto& connection : connections_) {
      if (connection->number == number && !connection->dead) {
        connection->outbox += bytes;
        flush(*connection);
      }
    }
  });
}

void RecordingUpstream::clear() {
  sync();
  std::lock_guard lock(mutex_);
  requests_.clear();
  heads_ = 0;
  unparsable_ = 0;
}

std::vector<RecordingUpstream::Request> RecordingUpstream::requests() {
  sync();
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t RecordingUpstream::heads_received() {
  sync();
  std::lock_guard lock(mutex_);
  return heads_;
}

std::size_t RecordingUpstream::accepts() {
  sync();
  std::lock_guard lock(mutex_);
  return accepts_;
}

std::size_t RecordingUpstream::unparsable() {
  sync();
  std::lock_guard lock(mutex_);
  return unparsable_;
}

// ---- loop thread ----------------------------------------------------------------------

void RecordingUpstream::take_in_everything() {
  accept_all();
  for (auto& connection : connections_) {
    if (!connection->dead) read_all(*connection);
  }
}

void RecordingUpstream::loop() {
  for (;;) {
    std::vector<pollfd> fds{{wake_read_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (auto& connection : connections_) {
      auto events = static_cast<short>(connection->outbox.empty() ? POLLIN : (POLLIN | POLLOUT));
      fds.push_back({connection->fd, events, 0});
    }
    ::poll(fds.data(), fds.size(), -1);
    if (fds[0].revents != 0) {
      char drain[64];
      while (::read(wake_read_, drain, sizeof drain) > 0) {
      }
      std::vector<std::function<void()>> commands;
      {
        std::lock_guard lock(mutex_);
        if (stop_) return;
        commands.swap(commands_);
      }
      for (auto& command : commands) command();
      {
        std::lock_guard lock(mutex_);
        completed_ += commands.size();
      }
      commands_done_.notify_all();
      // The commands may have changed the connections: poll again (level-triggered, so
      // nothing reported this time is lost).
      std::erase_if(connections_, [](const auto& connection) { return connection->dead; });
      continue;
    }
    if (fds[1].revents != 0) accept_all();
    for (std::size_t i = 2; i < fds.size(); ++i) {
      Connection& connection = *connections_[i - 2];
      if (connection.dead) continue;
      if (fds[i].revents & POLLOUT) flush(connection);
      if (!connection.dead && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) read_all(connection);
    }
    std::erase_if(connections_, [](const auto& connection) { return connection->dead; });
  }
}

void RecordingUpstream::accept_all() {
  for (;;) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    set_nonblocking(fd);
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    {
      std::lock_guard lock(mutex_);
      connection->number = ++accepts_;
    }
    connections_.push_back(std::move(connection));
  }
}

void RecordingUpstream::read_all(Connection& connection) {
  char chunk[16384];
  for (;;) {
    auto n = ::recv(connection.fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      connection.inbox.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    parse(connection);  // what arrived before the EOF or error
    close(connection, false);
    return;
  }
  parse(connection);
}

void RecordingUpstream::parse(Connection& connection) {
  while (!connection.dead && !connection.inbox.empty()) {
    if (connection.stalled) {
      connection.inbox.clear();
      return;
    }
    if (!connection.parser) {
      connection.parser.emplace();
      connection.parser->eager(true);
      connection.parser->header_limit(1024 * 1024);
      connection.parser->body_limit(boost::none);
      connection.head_seen = false;
      connection.raw.clear();
    }
    auto& parser = *connection.parser;
    boost::system::error_code ec;
    std::size_t used = parser.put(boost::asio::buffer(connection.inbox), ec);
    connection.raw.append(connection.inbox, 0, used);
    connection.inbox.erase(0, used);
    if (parser.is_header_done() && !connection.head_seen) {
      connection.head_seen = true;
      std::lock_guard lock(mutex_);
      ++heads_;
    }
    if (ec == bhttp::error::need_more) return;
    if (ec) {
      {
        std::lock_guard lock(mutex_);
        ++unparsable_;
      }
      close(connection, false);
      return;
    }
    if (!parser.is_done()) continue;

    Request request;
    request.connection = connection.number;
    auto head_end = connection.raw.find("\r\n\r\n");
    request.head = connection.raw.substr(0, head_end == std::string::npos ? 0 : head_end + 4);
    request.raw = connection.raw;
    const auto& message = parser.get();
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.fields.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = message.body();
    connection.parser.reset();
    Reply reply{default_reply(), After::keep_open};
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(request));
      if (!script_.empty()) {
        reply = std::move(script_.front());
        script_.pop_front();
      }
    }
    connection.outbox += reply.bytes;
    connection.after_flush = reply.after;
    if (reply.after == After::stall) connection.stalled = true;
    flush(connection);
  }
}

void RecordingUpstream::flush(Connection& connection) {
  while (!connection.outbox.empty()) {
    auto n = ::send(connection.fd, connection.outbox.data(), connection.outbox.size(),
                    MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // POLLOUT resumes
      close(connection, false);
      return;
    }
    connection.outbox.erase(0, static_cast<std::size_t>(n));
  }
  if (connection.after_flush == After::close) close(connection, false);
  if (connection.after_flush == After::reset) close(connection, true);
}

void RecordingUpstream::close(Connection& connection, bool reset) {
  if (connection.dead) return;
  if (reset) {
    linger option{1, 0};
    ::setsockopt(connection.fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
  } else {
    ::shutdown(connection.fd, SHUT_WR);
  }
  ::close(connection.fd);
  connection.dead = true;
}

}  // namespace portico::testing
