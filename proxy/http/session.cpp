// http/session: the keep-alive loop of one client connection.
#include "proxy/http/session.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <algorithm>
#include <chrono>
#include <memory>
#include <type_traits>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>

#include "proxy/acme/acme_manager.hpp"
#include "proxy/http/cancel_deadline.hpp"
#include "proxy/tls/client_hello.hpp"
#include "proxy/http/exchange_impl.hpp"

namespace portico::http {
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// Whether the socket's readability tells that a request has arrived. Not over TLS: the
// TLS layer may already hold the request's bytes (read from the socket together with the
// end of the handshake or the previous request) while the socket stays silent.
constexpr bool socket_says_when(const beast::tcp_stream&) { return true; }
constexpr bool socket_says_when(const beast::ssl_stream<beast::tcp_stream>&) { return false; }

// Waits for the first byte of the next request. Before a request starts, the connection
// is idle: it has a timeout (header_timeout on a new connection, idle_timeout between
// requests) and may be closed by a drain. A plain connection holds no read buffer while
// it waits: it waits for the socket to become readable and only then reads (a TLS
// connection reads at once, see socket_says_when). `readable`: the parking lot woke the
// connection because bytes (or the client's FIN) arrived: read without waiting.
template <class Stream>
asio::awaitable<bool> wait_for_request(Stream& stream, beast::flat_buffer& buffer,
                                       std::chrono::milliseconds timeout, bool readable = false) {
  if (buffer.size() > 0) co_return true;  // a pipelined request is already here
  buffer.shrink_to_fit();                 // empty: frees the previous request's buffer
  auto& transport = beast::get_lowest_layer(stream);
  if (socket_says_when(stream) && !readable) {
    CancelDeadline deadline(transport.socket(), timeout);
    auto [wait_ec] = co_await transport.socket().async_wait(asio::socket_base::wait_read, nothrow_awaitable);
    if (wait_ec || deadline.fired()) co_return false;
  }
  transport.expires_after(timeout);
  auto [ec, bytes] = co_await stream.async_read_some(buffer.prepare(4096), nothrow_awaitable);
  if (ec) co_return false;
  buffer.commit(bytes);
  co_return true;
}

enum class NextRequest { here, not_yet, gone };

// Between two requests on a plain connection: reads into the buffer of the previous
// request. The read is tried at once (Asio's speculative read), so a client that already
// sent its next request costs no epoll round trip; otherwise it stays pending for the
// parking lot's grace. not_yet: nothing came within the grace, the connection is parked.
asio::awaitable<NextRequest> next_request(ParkingLot& parking, beast::tcp_stream& stream,
                                          beast::flat_buffer& buffer) {
  if (buffer.size() > 0) co_return NextRequest::here;  // pipelined
  const asio::mutable_buffer room = buffer.prepare(std::min<std::size_t>(4096, buffer.max_size()));
  ParkingLot::Waiting waiting;
  parking.begin_grace(waiting, stream.socket());
  auto [ec, bytes] = co_await stream.socket().async_read_some(room, nothrow_awaitable);
  parking.end_grace(waiting);
  if (!ec) {
    buffer.commit(bytes);
    co_return NextRequest::here;
  }
  co_return waiting.grace_over && ec == asio::error::operation_aborted ? NextRequest::not_yet : NextRequest::gone;
}

// How a session ended.
enum class SessionEnd {
  idle,            // timeout, drain or the client's close while no request was in flight
  after_exchange,  // an exchange decided to close (an error answer, `Connection: close`,
                   // HTTP/1.0): the client may still be sending
  parked,          // plain http, waiting for a next request that has not come yet
};

template <class Stream>
asio::awaitable<SessionEnd> serve(WorkerContext& worker, Stream& stream, const ClientSide& client,
                                  SessionRegistry::Handle registration, bool woken = false) {
  constexpr bool plain = std::is_same_v<Stream, beast::tcp_stream>;
  beast::flat_buffer buffer;
  bool first = true;
  while (!worker.draining.load(std::memory_order_relaxed)) {
    const auto& limits = worker.snapshots.get()->config.limits;
    registration->idle = true;
    if (first || !plain) {
      if (!co_await wait_for_request(stream, buffer, first ? limits.header_timeout : limits.idle_timeout, woken)) {
        break;
      }
    } else if constexpr (plain) {
      const NextRequest next = co_await next_request(worker.sessions.parking(), stream, buffer);
      if (next == NextRequest::not_yet) co_return SessionEnd::parked;
      if (next == NextRequest::gone) break;
    }
    registration->idle = false;
    first = false;
    if (co_await run_exchange(worker, stream, buffer, client) == AfterExchange::close) {
      co_return SessionEnd::after_exchange;
    }
  }
  co_return SessionEnd::idle;
}

// Reads the first TLS record (the ClientHello) before OpenSSL sees any byte, so its SNI can
// be known while the handshake has not started. False when the client went away.
asio::awaitable<bool> read_first_record(beast::tcp_stream& transport, std::string& bytes) {
  constexpr std::size_t largest_record = tls::tls_record_header + 16384 + 2048;
  bytes.resize(tls::tls_record_header);
  auto [header_ec, header_bytes] = co_await asio::async_read(transport, asio::buffer(bytes), nothrow_awaitable);
  if (header_ec) co_return false;
  const std::size_t total = tls::first_record_size(bytes);
  if (total == 0 || total > largest_record) co_return true;  // not a ClientHello: the engine refuses it
  bytes.resize(total);
  auto [body_ec, body_bytes] = co_await asio::async_read(
      transport, asio::buffer(bytes.data() + tls::tls_record_header, total - tls::tls_record_header),
      nothrow_awaitable);
  co_return !body_ec;
}

// On-demand certificates: a ClientHello for a mapped custom domain that no certificate
// matches yet waits (at most [acme] handshake_wait) for the manager to obtain one. The
// tenant table decides, in-process: other names never wait and never cause an order.
asio::awaitable<void> wait_for_certificate(WorkerContext& worker, const config::Snapshot& snapshot,
                                           const tls::CertificateStore& store, std::string_view hello) {
  const std::string sni = tls::client_hello_sni(hello);
  if (sni.empty()) co_return;
  const tenants::HostEntry* entry = snapshot.hosts.find(sni);
  if (entry == nullptr || entry->match != tenants::HostMatch::custom_domain) co_return;
  if (store.index().match(sni) != nullptr || worker.acme->issued().find(sni) != nullptr) co_return;
  ++worker.acme->counters().handshakes_held;
  auto timer = std::make_shared<asio::steady_timer>(worker.executor);
  timer->expires_after(worker.acme->handshake_wait());
  // The manager wakes the wait from the control thread through this worker's executor; the
  // timer belongs to this coroutine, so a late wake-up finds it gone and does nothing.
  std::weak_ptr<asio::steady_timer> weak = timer;
  worker.acme->demand(sni, [weak, executor = worker.executor] {
    asio::post(executor, [weak] {
      if (auto waiting = weak.lock()) waiting->cancel();
    });
  });
  auto [ec] = co_await timer->async_wait(nothrow_awaitable);
  (void)ec;
}

// Lingering close (nginx's lingering_close): closing a socket whose receive buffer holds
// unread bytes makes the kernel send a reset, and a client still sending its request (a
// body Portico refused with 413, say) gets EPIPE/ECONNRESET on its next write, or may lose
// the answer. So after the answer Portico half-closes (the client reads EOF after it) and
// reads and drops what still comes, until the client closes, for at most
// lingering_time and lingering_bytes. An idle connection (drain) is cut at once.
// (The loop lives in serve_plain_connection: GCC 12 warns, wrongly, about a small coroutine
// of its own being inlined there, -Wmismatched-new-delete.)
constexpr auto lingering_time = std::chrono::seconds(5);
constexpr std::size_t lingering_bytes = 4 * 1024 * 1024;
constexpr std::size_t lingering_read_size = 16 * 1024;

}  // namespace

asio::awaitable<bool> serve_plain_connection(WorkerContext& worker, asio::ip::tcp::socket socket,
                                             ClientSide client, bool woken) {
  beast::tcp_stream stream(std::move(socket));
  auto registration = worker.sessions.add([&stream] {
    boost::system::error_code ignored;
    stream.socket().close(ignored);
  });
  const SessionEnd end = co_await serve(worker, stream, client, registration, woken);
  if (end == SessionEnd::parked) {
    // The buffer and serve()'s frame are gone already; this frame goes when it returns.
    worker.sessions.remove(registration);
    const auto idle_timeout = worker.snapshots.get()->config.limits.idle_timeout;
    co_return worker.sessions.parking().park(stream.socket(), client, idle_timeout, woken);
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  stream.expires_never();
  if (end == SessionEnd::after_exchange && !worker.draining.load(std::memory_order_relaxed)) {
    registration->idle = true;  // a drain closes it at once
    CancelDeadline deadline(stream.socket(), lingering_time);
    // On the heap: a local array would sit in every plain connection's coroutine frame.
    auto discard = std::make_unique<char[]>(lingering_read_size);
    std::size_t dropped = 0;
    while (dropped < lingering_bytes) {
      auto [ec, bytes] = co_await stream.socket().async_read_some(
          asio::buffer(discard.get(), lingering_read_size), nothrow_awaitable);
      if (ec) break;
      dropped += bytes;
    }
  }
  worker.sessions.remove(registration);
  stream.socket().close(ignored);
  co_return false;
}

asio::awaitable<void> serve_tls_connection(WorkerContext& worker, asio::ip::tcp::socket socket,
                                           ClientSide client) {
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  std::shared_ptr<const config::Snapshot> snapshot = worker.snapshots.get();
  std::shared_ptr<const tls::CertificateStore> store = snapshot->certificates;
  if (!store || store->server_context() == nullptr) co_return;  // no certificate: refuse
  // The asio context adopts one reference; the SSL object takes its own, so the
  // connection may outlive this snapshot's store.
  SSL_CTX_up_ref(store->server_context());
  asio::ssl::context context(store->server_context());
  TlsStream stream(beast::tcp_stream(std::move(socket)), context);
  auto registration = worker.sessions.add([&stream] {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
  });

  beast::get_lowest_layer(stream).expires_after(snapshot->config.limits.header_timeout);
  // With [acme] on, the ClientHello is read here first and handed to the engine unchanged
  // (Asio's engine cannot suspend a handshake in OpenSSL's ClientHello callback).
  std::string hello;
  bool hello_read = true;
  if (worker.acme != nullptr) {
    hello_read = co_await read_first_record(beast::get_lowest_layer(stream), hello);
    if (hello_read) {
      co_await wait_for_certificate(worker, *snapshot, *store, hello);
      tls::attach_issued(stream.native_handle(), worker.acme->issued().current());
      beast::get_lowest_layer(stream).expires_after(snapshot->config.limits.header_timeout);
    }
  }
  boost::system::error_code handshake_ec = asio::error::eof;
  if (!hello_read) {
  } else if (hello.empty()) {
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow_awaitable);
    handshake_ec = ec;
  } else {
    auto [ec, used] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::buffer(hello),
                                                      nothrow_awaitable);
    handshake_ec = ec;
  }
  if (handshake_ec) {
    tls::HandshakeFailure reason =
        handshake_ec == beast::error::timeout ? tls::HandshakeFailure::timeout
        : handshake_ec.category() == asio::error::get_ssl_category()
            ? tls::classify_handshake_error(stream.native_handle(), static_cast<unsigned long>(handshake_ec.value()))
            : tls::HandshakeFailure::closed;
    store->counters().record_failure(reason);
  } else {
    store->counters().record_handshake(stream.native_handle());
    if (const tls::HandshakeInfo* info = tls::handshake_info(stream.native_handle())) client.sni = info->sni;
    snapshot.reset();  // each exchange takes the current snapshot
    co_await serve(worker, stream, client, registration);  // no lingering over TLS (decisions.md)
    // close_notify, briefly: a peer that already left makes this fail, which is fine.
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    auto [shutdown_ec] = co_await stream.async_shutdown(nothrow_awaitable);
    (void)shutdown_ec;
  }
  worker.sessions.remove(registration);
  boost::system::error_code ignored;
  beast::get_lowest_layer(stream).socket().close(ignored);
}

}  // namespace portico::http
