// tests/integration/recording_upstream: a raw-socket upstream on 127.0.0.1:0 that records
// every byte it receives, parses it into requests, and answers from a script (or with a
// default 200). One thread runs a poll() loop. sync() makes that thread take in everything
// already sent to it, so a test can assert that nothing arrived without sleeping: on
// loopback, bytes Portico wrote before it answered its client are already queued here.
#pragma once

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace portico::testing {

class RecordingUpstream {
 public:
  // What the upstream does once a reply's bytes are written.
  enum class After {
    keep_open,  // wait for the next request on this connection
    close,      // FIN
    reset,      // RST (SO_LINGER 0)
    stall,      // stay open, answer nothing more on this connection
  };
  struct Reply {
    std::string bytes;
    After after = After::keep_open;
  };

  // One complete request as the upstream received it.
  struct Request {
    std::size_t connection = 0;  // 1-based accept number
    std::string head;            // raw bytes, request line to blank line
    std::string raw;             // raw bytes of the whole message (chunk framing included)
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> fields;  // in arrival order
    std::string body;                                         // decoded
    std::vector<std::string> all(const std::string& lowercase_name) const;
    std::optional<std::string> one(const std::string& lowercase_name) const;
  };

  static constexpr std::string_view default_body = "upstream-ok";

  RecordingUpstream();
  ~RecordingUpstream();
  RecordingUpstream(const RecordingUpstream&) = delete;
  RecordingUpstream& operator=(const RecordingUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Replies for the next complete requests, in order (any connection); then the default.
  void script(std::vector<Reply> replies);
  // Takes in every connection and byte already sent here.
  void sync();
  // Closes every connection (Portico's pooled ones see EOF) and forgets the script.
  void drop_connections();
  // Writes `bytes` on the connection with that accept number, unasked.
  void inject(std::size_t connection, const std::string& bytes);
  // Forgets recorded requests and heads (counts of accepts go on).
  void clear();

  // All after a sync().
  std::vector<Request> requests();
  std::size_t heads_received();  // request heads seen, complete requests or not
  std::size_t accepts();
  std::size_t unparsable();  // connections closed because their bytes did not parse

 private:
  struct Connection {
    int fd = -1;
    std::size_t number = 0;
    std::string inbox;  // received, not yet given to the parser
    std::string raw;    // bytes of the current message the parser consumed
    std::string outbox;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser;
    bool head_seen = false;
    bool stalled = false;
    After after_flush = After::keep_open;
    bool dead = false;
  };

  void loop();
  void run_on_loop(std::function<void()> command);
  void accept_all();
  void read_all(Connection& connection);
  void parse(Connection& connection);
  void flush(Connection& connection);
  void close(Connection& connection, bool reset);
  void take_in_everything();

  int listen_fd_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::uint16_t port_ = 0;

  std::mutex mutex_;
  std::condition_variable commands_done_;
  std::vector<std::function<void()>> commands_;  // guarded; run on the loop thread
  std::uint64_t posted_ = 0;
  std::uint64_t completed_ = 0;
  bool stop_ = false;
  std::vector<Request> requests_;  // guarded
  std::deque<Reply> script_;       // guarded
  std::size_t heads_ = 0;          // guarded
  std::size_t accepts_ = 0;        // guarded
  std::size_t unparsable_ = 0;     // guarded

  std::vector<std::unique_ptr<Connection>> connections_;  // loop thread only
  std::thread thread_;
};

}  // namespace portico::testing
