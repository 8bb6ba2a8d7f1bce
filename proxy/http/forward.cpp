// http/forward: the upstream side of one exchange: acquire a connection, send the head,
// relay the request body up and the response down, reuse or drop the connection.
//
// Relaying is sequential and bounded: one 64 KiB buffer per direction (leased from the
// worker's RelayBuffers, not in the coroutine frame), request body first,
// then the response. It cannot deadlock: each step waits on one peer only, under a deadline
// (body_timeout on the client, response_timeout on the upstream).
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <algorithm>
#include <array>

#include "proxy/core/http_date.hpp"
#include "proxy/http/context_headers.hpp"
#include "proxy/http/exchange_impl.hpp"
#include "proxy/http/head_buffer.hpp"
#include "proxy/http/head_scanner.hpp"
#include "proxy/http/outgoing_message.hpp"
#include "proxy/http/response_framing.hpp"
#include "proxy/inject/banner_filter.hpp"

namespace portico::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using core::ProxyError;

namespace {

ProxyError upstream_error(const boost::system::error_code& ec) {
  return ec == beast::error::timeout ? ProxyError::upstream_timeout : ProxyError::upstream_bad_response;
}
}  // namespace

// (GCC 12 mishandles temporaries with destructors inside co_await expressions, so answers
// are named locals before they are awaited.)
template <class Stream>
asio::awaitable<AfterExchange> Exchange<Stream>::forward() {
  const auto& upstream_config = snapshot_.config.upstream;
  auto& metrics = worker_.metrics;
  auto upstream_started = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  upstream::AcquireReport report;
  std::optional<ResponseParser> response;
  std::optional<ProxyError> failure;
  std::unique_ptr<upstream::Connection> up =
      co_await worker_.pool.acquire(upstream_config, *snapshot_.upstream_health, report, ec);
  metrics.upstream_connect_errors.inc(report.connect_errors);
  metrics.upstream_timeouts.inc(report.connect_timeouts);
  if (!up) {
    failure = report.none_available              ? ProxyError::upstream_unavailable
              : ec == beast::error::timeout      ? ProxyError::upstream_timeout
                                                 : ProxyError::upstream_connect_failed;
  } else {
    failure = co_await send_request(*up);
    if (!failure) failure = co_await read_response_head(*up, response);
    // A reused connection the upstream had already closed: retry once on a fresh one, but
    // only when no request body was consumed (nothing is lost by sending it again).
    if (failure && up->reused && !body_started_ && *failure != ProxyError::upstream_timeout) {
      metrics.upstream_retries.inc();
      std::string server = up->server;
      up = co_await worker_.pool.reconnect(upstream_config, server, ec);
      if (!up) {
        failure = ProxyError::upstream_connect_failed;
        metrics.upstream_connect_errors.inc();
      } else {
        failure = co_await send_request(*up);
        if (!failure) failure = co_await read_response_head(*up, response);
      }
    }
  }
  upstream_time_ = std::chrono::steady_clock::now() - upstream_started;
  if (failure) {
    if (*failure == ProxyError::upstream_timeout && up) metrics.upstream_timeouts.inc();
    // A client error met while relaying the body (bad chunk, trailers) closes too.
    LocalAnswer answer{*failure, {}, !request_.is_done() || *failure == ProxyError::bad_request};
    co_return co_await answer_locally(answer);
  }
  co_return co_await relay_response(std::move(up), *response);
}

// Head, then the body piece by piece: the parser's buffer_body decodes into our buffer and
// each piece goes out framed as the head declares (outgoing_message.hpp).
template <class Stream>
asio::awaitable<std::optional<ProxyError>> Exchange<Stream>::send_request(upstream::Connection& up) {
  auto& request = request_.get();
  const auto& limits = snapshot_.config.limits;
  const bool chunked = request.chunked();
  up.stream.expires_after(limits.body_timeout);
  auto [head_ec, head_bytes] = co_await asio::async_write(up.stream, asio::buffer(head_bytes_), nothrow_awaitable);
  if (head_ec) co_return upstream_error(head_ec);
  if (request_.is_done()) co_return std::nullopt;

  if (expects_continue_ && client_version_ == 11) {
    // The upstream never sees Expect; Portico says 100 Continue once it is committed to
    // forwarding the body (tenant resolved, gates passed, upstream connected).
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    beast::get_lowest_layer(stream_).expires_after(limits.body_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(continue_line), nothrow_awaitable);
    if (ec) co_return ProxyError::bad_request;
    expects_continue_ = false;
  }
  const RelayBuffers::Lease chunk = worker_.relay_buffers.take();
  body_started_ = true;
  while (!request_.is_done()) {
    request.body().data = chunk.data();
    request.body().size = chunk.size();
    beast::get_lowest_layer(stream_).expires_after(limits.body_timeout);
    auto [read_ec, read_bytes] = co_await bhttp::async_read(stream_, buffer_, request_, nothrow_awaitable);
    if (read_ec && read_ec != bhttp::error::need_buffer) {
      if (read_ec == bhttp::error::body_limit) co_return ProxyError::body_too_large;
      if (read_ec == beast::error::timeout) co_return ProxyError::request_timeout;
      co_return ProxyError::bad_request;
    }
    // Refused before the last chunk goes up, so the upstream never sees a complete request.
    if (request_trailers_.has_trailers()) co_return ProxyError::bad_request;
    const std::size_t size = chunk.size() - request.body().size;
    bytes_in_ += size;
    // The last piece of a chunked body carries the last chunk (even when it is empty).
    const OutgoingPiece piece({}, {chunk.data(), size}, chunked, request_.is_done());
    if (piece.empty()) continue;
    up.stream.expires_after(limits.body_timeout);
    auto [write_ec, written] = co_await asio::async_write(up.stream, piece.buffers(), nothrow_awaitable);
    if (write_ec) co_return upstream_error(write_ec);
  }
  co_return std::nullopt;
}

// The raw head is read and checked (response_framing.hpp) before Beast's parser sees it,
// as for requests: a malformed status line or field, or ambiguous framing, is a 502 and the
// connection is dropped with the exchange.
template <class Stream>
asio::awaitable<std::optional<ProxyError>> Exchange<Stream>::read_response_head(
    upstream::Connection& up, std::optional<ResponseParser>& response) {
  up.buffer.max_size(std::max(up.buffer.size(), max_response_head_bytes + unparsed_body_bytes));
  for (;;) {
    response.emplace();
    response->header_limit(static_cast<std::uint32_t>(max_response_head_bytes));
    response->body_limit(boost::none);
    if (head_request_) response->skip(true);
    response_trailers_.watch(*response);
    up.stream.expires_after(snapshot_.config.upstream.response_timeout);
    HeadScanner scanner(HeadKind::response, max_response_head_bytes);
    HeadScan scan = scanner.scan(buffered_bytes(up.buffer));
    while (scan.state == HeadScan::State::need_more) {
      auto [ec, bytes] = co_await up.stream.async_read_some(up.buffer.prepare(read_room(up.buffer)), nothrow_awaitable);
      up.buffer.commit(bytes);
      if (ec) co_return upstream_error(ec);
      scan = scanner.scan(buffered_bytes(up.buffer));
    }
    if (scan.state == HeadScan::State::invalid) co_return ProxyError::upstream_bad_response;
    std::string_view head = buffered_bytes(up.buffer).substr(scan.begin, scan.end - scan.begin);
    if (validate_response_head(head)) co_return ProxyError::upstream_bad_response;
    boost::system::error_code ec;
    std::size_t used = response->put(asio::buffer(head.data(), head.size()), ec);
    up.buffer.consume(used);
    if (ec || !response->is_header_done()) co_return ProxyError::upstream_bad_response;
    unsigned status = response->get().result_int();
    // Interim responses (103 Early Hints and the like) are not relayed; 101 is final.
    if (status >= 100 && status < 200 && status != 101) continue;
    co_return std::nullopt;
  }
}

template <class Stream>
asio::awaitable<AfterExchange> Exchange<Stream>::relay_response(std::unique_ptr<upstream::Connection> up,
                                                                ResponseParser& parser) {
  auto& response = parser.get();
  const auto& limits = snapshot_.config.limits;
  bool upgraded = websocket_ && response.result_int() == 101;
  unsigned client_version = client_version_;
  bool keep_alive = client_keeps_alive();
  take_declared_activity(response);
  status_ = response.result_int();
  outcome_ = observe::Outcome::proxied;
  emit_activity();
  ClientHeadOptions head;
  head.version = client_version;
  head.upgraded = upgraded;
  head.request_id = request_id_;
  // RFC 9110 §6.6.1: a response forwarded without a Date gets one from the proxy's clock.
  if (response.find(bhttp::field::date) == response.end()) head.date = core::http_date_now();
  if (client_.tls) head.hsts = snapshot_.config.tls.hsts;
  using Framing = ClientHeadOptions::Framing;
  bool header_only = parser.is_done();
  std::optional<inject::BannerFilter> banner;
  if (injects_banner(parser)) {
    // The body grows by the banner: re-framed (chunked for HTTP/1.1, close-delimited for
    // 1.0), and a strong ETag no longer names these bytes. HEAD gets the same headers.
    banner.emplace(config::banner_for(snapshot_, *entry_->tenant), snapshot_.config.banner.max_scan_bytes);
    head.banner = true;
    if (client_version == 11) {
      if (!parser.chunked()) head.framing = Framing::chunked;
    } else {
      keep_alive = false;
    }
  } else if (!header_only && !parser.chunked() && !parser.content_length()) {
    // Close-delimited upstream body: re-framed as chunked for HTTP/1.1 clients.
    if (client_version == 11) head.framing = Framing::chunked;
    else keep_alive = false;
  }
  if (client_version == 10 && parser.chunked()) {
    head.framing = Framing::unchunked;
    keep_alive = false;
  }
  if (upgraded) keep_alive = true;  // the connection becomes a tunnel
  head.keep_alive = keep_alive;
  // How the body goes out, as the head says.
  const bool chunked =
      head.framing == Framing::chunked || (head.framing == Framing::as_sent && parser.chunked());

  head_bytes_.clear();
  append_client_head(response, head, head_bytes_);
  std::string_view pending_head = head_bytes_;
  // When body bytes came in with the head, the head leaves with the first of them in one
  // write: one send (and over TLS one batch of records) less per response, as nginx's
  // postpone_output does. Otherwise it leaves at once: a streaming upstream (server-sent
  // events, long polls) must not hold the client's head back.
  if (upgraded || header_only || up->buffer.size() == 0) {
    beast::get_lowest_layer(stream_).expires_after(limits.body_timeout);
    auto [head_ec, head_bytes] = co_await asio::async_write(stream_, asio::buffer(head_bytes_), nothrow_awaitable);
    if (head_ec) co_return AfterExchange::close;
    pending_head = {};
  }
  if (upgraded) {
    co_await tunnel(*up);
    co_return AfterExchange::close;
  }
  if (!header_only) {
    // Once the head is out, an error can only log and close (STYLE: errors). Each read
    // returns what the upstream has sent so far (read_some): bytes are passed on as they
    // come, never held until the 64 KiB buffer is full.
    const RelayBuffers::Lease chunk = worker_.relay_buffers.take();
    std::string filtered;
    while (!parser.is_done()) {
      response.body().data = chunk.data();
      response.body().size = chunk.size();
      up->stream.expires_after(snapshot_.config.upstream.response_timeout);
      auto [read_ec, read_bytes] = co_await bhttp::async_read_some(up->stream, up->buffer, parser, nothrow_awaitable);
      bool upstream_eof = read_ec == bhttp::error::end_of_stream && !parser.chunked() &&
                          !parser.content_length();
      if (read_ec && read_ec != bhttp::error::need_buffer && !upstream_eof) co_return AfterExchange::close;
      response.body().size = chunk.size() - response.body().size;
      response.body().data = chunk.data();
      if (banner && banner->scanning()) {
        filtered.clear();
        banner->feed({chunk.data(), response.body().size}, filtered);
        response.body().data = filtered.data();
        response.body().size = filtered.size();
      }
      // The loop ends on this piece when the parser is done (or the upstream's EOF ends a
      // close-delimited body): it then carries a chunked body's last chunk.
      const bool last = parser.is_done() || upstream_eof;
      // Nothing to pass on (a read that parsed only a chunk's size line, or markup the banner
      // filter holds back): nothing to write until more comes.
      if (response.body().size == 0 && !last) continue;
      const std::string_view bytes(static_cast<const char*>(response.body().data), response.body().size);
      const OutgoingPiece piece(pending_head, bytes, chunked, last);
      if (piece.empty()) {  // the end of a body sent as is, its head already out
        if (upstream_eof) break;
        continue;
      }
      bytes_out_ += response.body().size;
      beast::get_lowest_layer(stream_).expires_after(limits.body_timeout);
      auto [write_ec, written] = co_await asio::async_write(stream_, piece.buffers(), nothrow_awaitable);
      if (write_ec) co_return AfterExchange::close;
      pending_head = {};
      if (upstream_eof) break;
    }
  }
  // Trailers were not relayed (a chunked body ends with an empty trailer section) and are
  // not left merged into the response's headers either.
  response_trailers_.drop_trailers();
  UpstreamResponseEnd end{head_request_,
                          request_.is_done(),
                          response.result_int(),
                          parser.chunked() || parser.content_length().value_or(0) > 0,
                          parser.is_done(),
                          parser.keep_alive(),
                          up->buffer.size()};
  if (may_reuse_upstream(end)) {
    worker_.pool.release(std::move(up), snapshot_.config.upstream.max_idle_per_worker);
  }
  co_return keep_alive ? AfterExchange::keep_alive : AfterExchange::close;
}

// DESIGN §6: the upstream declares an event with X-Portal-Activity; the header is never
// relayed to the client (append_client_head leaves it out). Parsed only when the tenant is
// notified of activity.
template <class Stream>
void Exchange<Stream>::take_declared_activity(const ResponseHeader& response) {
  if (worker_.activity == nullptr || !entry_->tenant->notify_org_on_activity) return;
  auto declared = response.find(activity_header);
  if (declared != response.end()) declared_activity_ = activity::parse_activity_header(declared->value());
}

// DESIGN §5: a 200 text/html answer, not content-encoded, to a GET/HEAD on a banner path of
// a tenant with a banner.
template <class Stream>
bool Exchange<Stream>::injects_banner(const ResponseParser& parser) const {
  // An empty GET body has nothing to inject into (and a header-only chunked reply would
  // never end); HEAD still gets the headers a GET would.
  if (!banner_candidate_ || (parser.is_done() && !head_request_)) return false;
  const auto& response = parser.get();
  if (response.result_int() != 200) return false;
  std::string_view type = response[bhttp::field::content_type];
  if (type.size() < 9 || !beast::iequals(type.substr(0, 9), "text/html")) return false;
  std::string_view encoding = response[bhttp::field::content_encoding];
  return encoding.empty() || beast::iequals(encoding, "identity");
}

// A relayed WebSocket: bytes both ways until either side closes or goes idle.
template <class Stream>
asio::awaitable<void> Exchange<Stream>::tunnel(upstream::Connection& up) {
  using namespace asio::experimental::awaitable_operators;
  auto idle = snapshot_.config.limits.idle_timeout;
  // Each direction ends on EOF, error or idleness and then closes both sockets, which ends
  // the other direction too (a pending operation on a closed socket fails at once).
  auto close_both = [this, &up] {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
    up.stream.socket().close(ignored);
  };
  auto pump = [idle, close_both](auto& from, beast::flat_buffer& pending, auto& to) -> asio::awaitable<void> {
    std::array<char, 16 * 1024> chunk;
    if (pending.size() > 0) {
      auto [ec, n] = co_await asio::async_write(to, pending.data(), nothrow_awaitable);
      pending.consume(pending.size());
      if (ec) {
        close_both();
        co_return;
      }
    }
    for (;;) {
      beast::get_lowest_layer(from).expires_after(idle);
      auto [read_ec, n] = co_await from.async_read_some(asio::buffer(chunk), nothrow_awaitable);
      if (read_ec) break;
      beast::get_lowest_layer(to).expires_after(idle);
      auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(chunk.data(), n), nothrow_awaitable);
      if (write_ec) break;
    }
    close_both();
  };
  co_await (pump(stream_, buffer_, up.stream) && pump(up.stream, up.buffer, stream_));
}

template class Exchange<beast::tcp_stream>;
template class Exchange<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace portico::http
