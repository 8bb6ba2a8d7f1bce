// demo_app/session: the per-connection loop. Bodies pass through a 64 KiB piece buffer
// (http::buffer_body), so no request body is ever held whole; a deadline precedes every read.
#include "tests/demo_app/session.hpp"

#include "tests/demo_app/respond.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/stream_parser.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>

namespace portico::demo {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::size_t kBodyPiece = 64 * 1024;
constexpr std::uint64_t kMaxJsonBody = 16 * 1024 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr auto kBodyTimeout = std::chrono::seconds(60);
constexpr auto kLingerTimeout = std::chrono::seconds(1);

using Parser = http::request_parser<http::buffer_body>;

// Where body pieces go: always the digest; for JSON routes also an incremental parser
// (bounded by kMaxJsonBody, past which the body is still drained but judged invalid).
class BodySink {
 public:
  explicit BodySink(bool parse_json) {
    if (parse_json) json_.emplace();
  }

  void consume(const char* data, std::size_t size) {
    digest_.update(data, size);
    if (!json_ || json_failed_) return;
    boost::json::error_code ec;
    if (digest_.bytes > kMaxJsonBody) json_failed_ = true;
    else json_->write(data, size, ec);
    if (ec) json_failed_ = true;
  }

  // The parsed JSON body, or null when not parsed or invalid.
  const boost::json::value* finish() {
    if (!json_ || json_failed_) return nullptr;
    boost::json::error_code ec;
    json_->finish(ec);
    if (ec) return nullptr;
    value_ = json_->release();
    return &value_;
  }

  const BodyDigest& digest() const { return digest_; }

 private:
  BodyDigest digest_;
  std::optional<boost::json::stream_parser> json_;
  bool json_failed_ = false;
  boost::json::value value_;
};

// Errors that mean the client sent something unparsable (as opposed to going away).
bool is_protocol_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

bool expects_continue(const http::request_header<>& head) {
  return head.version() >= 11 && beast::iequals(head[http::field::expect], "100-continue");
}

class Session {
 public:
  Session(tcp::socket socket, AppState& app) : stream_(std::move(socket)), app_(app) {}

  net::awaitable<void> run() {
    while (co_await serve_request()) {
    }
    if (upgraded_) co_return;  // the WebSocket owned and closed the connection
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (close_initiated_ && !ec) co_await linger();
  }

 private:
  // One request: returns whether the connection stays open for another.
  net::awaitable<bool> serve_request() {
    Parser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(boost::none);
    stream_.expires_after(kIdleTimeout);
    if (auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, use_tuple); ec) {
      co_return co_await refuse(ec);
    }
    app_.stats.requests.fetch_add(1, std::memory_order_relaxed);
    const auto& request = parser.get();
    const Target target = split_target(request.target());
    const Route route = match_route(target.path);
    if (route.id == RouteId::ws && websocket::is_upgrade(request)) {
      co_await echo_websocket(request);
      co_return false;
    }
    BodySink sink(consumes_json_body(route.id));
    if (!parser.is_done()) {
      if (auto ec = co_await read_body(parser, sink)) co_return co_await refuse(ec);
    }
    const Exchange exchange{request, target, parse_steering(target.query), sink.digest(), sink.finish()};
    Reply reply = respond(route, exchange, app_);
    co_return co_await answer(request, exchange.steering, reply);
  }

  net::awaitable<bool> answer(const Parser::value_type& request, const Steering& steering, Reply& reply) {
    const bool keep_alive = request.keep_alive() && !steering.close;
    const bool http10 = request.version() < 11;
    if (http10) reply.chunked = false;  // an HTTP/1.0 client cannot read chunked framing
    reply.head_only = request.method() == http::verb::head;
    reply.persistence = !keep_alive ? Persistence::close
                        : http10    ? Persistence::keep_alive_explicit
                                    : Persistence::keep_alive;
    if (steering.delay.count() > 0) {
      net::steady_timer timer(stream_.get_executor());
      timer.expires_after(steering.delay);
      co_await timer.async_wait(use_tuple);
    }
    if (co_await write_reply(stream_, reply, scratch_)) co_return false;
    close_initiated_ = !keep_alive;
    co_return keep_alive;
  }

  net::awaitable<beast::error_code> read_body(Parser& parser, BodySink& sink) {
    if (!body_piece_) body_piece_ = std::make_unique<char[]>(kBodyPiece);
    if (expects_continue(parser.get())) {
      stream_.expires_after(kBodyTimeout);
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [ec, n] = co_await net::async_write(stream_, net::buffer(kContinue), use_tuple);
      if (ec) co_return ec;
    }
    while (!parser.is_done()) {
      auto& body = parser.get().body();
      body.data = body_piece_.get();
      body.size = kBodyPiece;
      stream_.expires_after(kBodyTimeout);
      auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, use_tuple);
      if (ec && ec != http::error::need_buffer) co_return ec;
      sink.consume(body_piece_.get(), kBodyPiece - body.size);
    }
    co_return beast::error_code{};
  }

  // Answers a request that could not be parsed (a peer that went away gets nothing).
  net::awaitable<bool> refuse(const beast::error_code& ec) {
    if (!is_protocol_error(ec)) co_return false;
    const bool too_large = ec == http::error::header_limit;
    const Reply reply = too_large ? bad_request_reply(http::status::request_header_fields_too_large,
                                                      "request header fields too large")
                                  : bad_request_reply(http::status::bad_request, ec.message());
    if (!co_await write_reply(stream_, reply, scratch_)) close_initiated_ = true;
    co_return false;
  }

  net::awaitable<void> echo_websocket(const http::request<http::buffer_body>& request) {
    upgraded_ = true;
    websocket::stream<beast::tcp_stream> ws(std::move(stream_));
    beast::get_lowest_layer(ws).expires_never();  // the websocket's own timeouts take over
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.auto_fragment(false);  // echo each message as one frame, as simple clients expect
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "demo-portal"); }));
    if (auto [ec] = co_await ws.async_accept(request, use_tuple); ec) co_return;
    beast::flat_buffer message;
    for (;;) {
      if (auto [ec, n] = co_await ws.async_read(message, use_tuple); ec) co_return;
      ws.text(ws.got_text());
      if (auto [ec, n] = co_await ws.async_write(message.data(), use_tuple); ec) co_return;
      message.consume(message.size());
    }
  }

  // After we close: read until the peer's FIN (briefly) so unread pipelined bytes do not
  // turn our close into a reset that could destroy the response in flight.
  net::awaitable<void> linger() {
    std::array<char, 2048> discard{};
    stream_.expires_after(kLingerTimeout);
    for (int reads = 0; reads < 64; ++reads) {
      auto [ec, n] = co_await stream_.async_read_some(net::buffer(discard), use_tuple);
      if (ec) break;
    }
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string scratch_;
  std::unique_ptr<char[]> body_piece_;  // allocated on the first request with a body
  AppState& app_;
  bool upgraded_ = false;
  bool close_initiated_ = false;
};

}  // namespace

net::awaitable<void> run_session(tcp::socket socket, AppState& app, [[maybe_unused]] ConnectionGuard guard) {
  Session session(std::move(socket), app);
  co_await session.run();
}

}  // namespace portico::demo
