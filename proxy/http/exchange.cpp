// http/exchange: the client-side phases of one request: read the head, resolve the
// tenant, normalize and gate the path, rewrite the headers, answer locally when needed.
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <chrono>

#include "proxy/http/cancel_deadline.hpp"
#include "proxy/http/context_headers.hpp"
#include "proxy/http/exchange_impl.hpp"
#include "proxy/http/head_buffer.hpp"
#include "proxy/http/head_scanner.hpp"
#include "proxy/http/outgoing_message.hpp"
#include "proxy/acme/acme_manager.hpp"
#include "proxy/http/request_framing.hpp"
#include "proxy/tenants/host_name.hpp"

namespace portico::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using core::ProxyError;

template <class Stream>
Exchange<Stream>::Exchange(WorkerContext& worker, Stream& stream, beast::flat_buffer& buffer,
                           const ClientSide& client, const config::Snapshot& snapshot)
    : worker_(worker), stream_(stream), buffer_(buffer), client_(client), snapshot_(snapshot) {
  const auto& limits = snapshot_.config.limits;
  request_.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  request_.body_limit(limits.max_body_bytes);
}

template <class Stream>
asio::awaitable<AfterExchange> Exchange<Stream>::run() {
  bool connection_done = false;
  std::optional<LocalAnswer> answer = co_await read_head(connection_done);
  if (connection_done) co_return AfterExchange::close;
  if (!answer) answer = resolve_tenant();
  if (!answer) answer = normalize_and_gate();
  AfterExchange after = AfterExchange::close;
  if (answer) {
    after = co_await answer_locally(*answer);
  } else {
    write_upstream_head();
    after = co_await forward();
  }
  finish();
  co_return after;
}

// Phase 1. The whole head must arrive within header_timeout (the deadline is armed once,
// so a client trickling one byte at a time is cut off too). Portico reads the raw head
// itself and checks it (request_framing.hpp) before Beast's parser sees it: Beast unfolds,
// merges and ignores things the upstream might read differently. A framing error closes
// the connection, so nothing after it is ever read as a request.
template <class Stream>
asio::awaitable<std::optional<LocalAnswer>> Exchange<Stream>::read_head(bool& connection_done) {
  auto& transport = beast::get_lowest_layer(stream_);
  transport.expires_never();
  const auto& limits = snapshot_.config.limits;
  // Beast grows the buffer for a chunk-size line or a trailer section until it ends: bounded.
  buffer_.max_size(std::max(buffer_.size(), limits.max_header_bytes + unparsed_body_bytes));
  CancelDeadline deadline(transport.socket(), limits.header_timeout);
  HeadScanner scanner(HeadKind::request, limits.max_header_bytes);
  HeadScan scan = scanner.scan(buffered_bytes(buffer_));
  while (scan.state == HeadScan::State::need_more) {
    auto [ec, bytes] = co_await stream_.async_read_some(buffer_.prepare(read_room(buffer_)), nothrow_awaitable);
    buffer_.commit(bytes);
    if (ec) {
      request_id_ = worker_.request_ids.next();
      if (deadline.fired()) co_return LocalAnswer{ProxyError::request_timeout, {}, true};
      // A client that half-closes after part of a head still hears why; anything else
      // (reset, TLS truncation, drain) just ends the connection.
      if (ec == asio::error::eof) co_return LocalAnswer{ProxyError::bad_request, {}, true};
      connection_done = true;
      co_return std::nullopt;
    }
    scan = scanner.scan(buffered_bytes(buffer_));
  }
  request_id_ = worker_.request_ids.next();
  if (scan.state == HeadScan::State::invalid) co_return LocalAnswer{request_error_for(*scan.error), {}, true};
  std::string_view head = buffered_bytes(buffer_).substr(scan.begin, scan.end - scan.begin);
  if (auto error = validate_request_head(head, limits.max_header_count)) co_return LocalAnswer{request_error_for(*error), {}, true};

  request_trailers_.watch(request_);
  boost::system::error_code ec;
  std::size_t used = request_.put(asio::buffer(head.data(), head.size()), ec);
  buffer_.consume(scan.begin + used);
  if (ec == bhttp::error::body_limit) co_return LocalAnswer{ProxyError::body_too_large, {}, true};
  if (ec || !request_.is_header_done()) co_return LocalAnswer{ProxyError::bad_request, {}, true};

  const auto& request = request_.get();
  client_version_ = request.version() == 10 ? 10 : 11;
  head_request_ = request.method() == bhttp::verb::head;
  wants_json_ = prefers_json(request[bhttp::field::accept]);
  expects_continue_ = beast::iequals(request[bhttp::field::expect], "100-continue");
  websocket_ = request_.upgrade() && beast::iequals(request[bhttp::field::upgrade], "websocket");
  co_return std::nullopt;
}

namespace {

// Splits "host[:port]" after validation; the port is needed for redirects only.
std::uint16_t port_of(std::string_view raw_host) {
  auto colon = raw_host.rfind(':');
  if (colon == std::string_view::npos || raw_host.find(']') != std::string_view::npos) return 0;
  unsigned port = 0;
  for (char c : raw_host.substr(colon + 1)) {
    if (c < '0' || c > '9') return 0;
    port = port * 10 + static_cast<unsigned>(c - '0');
    if (port > 65535) return 0;
  }
  return static_cast<std::uint16_t>(port);
}

bool is_absolute_form(std::string_view target) {
  auto has_scheme = [&](std::string_view scheme) {
    return target.size() >= scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme);
  };
  return has_scheme("http://") || has_scheme("https://");
}

}  // namespace

// Phase 2 (DESIGN §2): host from the absolute-form target or Host, normalized, looked up.
template <class Stream>
std::optional<LocalAnswer> Exchange<Stream>::resolve_tenant() {
  auto& request = request_.get();
  std::size_t host_count = request.count(bhttp::field::host);
  if (host_count > 1 || (host_count == 0 && request.version() >= 11)) {
    return LocalAnswer{ProxyError::bad_host, {}, true};
  }
  std::string_view raw_host = request[bhttp::field::host];
  std::string_view target = request.target();
  tenants::HostError host_error{};
  if (is_absolute_form(target)) {
    auto authority_start = target.find("//") + 2;
    auto authority_end = target.find_first_of("/?#", authority_start);
    std::string_view authority = target.substr(authority_start, authority_end - authority_start);
    std::string from_target;
    if (!tenants::normalize_host(authority, from_target, host_error)) {
      return LocalAnswer{ProxyError::bad_host, {}, true};
    }
    if (host_count == 1) {
      std::string from_header;
      if (!tenants::normalize_host(raw_host, from_header, host_error) || from_header != from_target) {
        return LocalAnswer{ProxyError::bad_host, {}, true};
      }
    }
    host_ = std::move(from_target);
    host_port_ = port_of(authority);
    std::string origin_form(authority_end == std::string_view::npos ? std::string_view("/")
                                                                    : target.substr(authority_end));
    if (origin_form.front() == '?') origin_form.insert(origin_form.begin(), '/');
    request.target(origin_form);
  } else {
    if (!tenants::normalize_host(raw_host, host_, host_error)) {
      return LocalAnswer{ProxyError::bad_host, {}, false};
    }
    host_port_ = port_of(raw_host);
  }

  entry_ = snapshot_.hosts.find(host_);
  if (entry_ == nullptr) return LocalAnswer{ProxyError::unknown_host, {}, false};
  const tenants::Tenant& tenant = *entry_->tenant;
  if (client_.tls) {
    // DESIGN §2.5: the connection was opened (and its certificate chosen) for the SNI
    // name's tenant; it never serves another. No SNI, or SNI of no tenant: no tenant at all.
    // The SNI is the current handshake's, also on a resumed session.
    const tenants::HostEntry* sni_entry = client_.sni.empty() ? nullptr : snapshot_.hosts.find(client_.sni);
    if (sni_entry == nullptr || sni_entry->tenant->org_id != tenant.org_id) {
      return LocalAnswer{ProxyError::misdirected, {}, false};
    }
  }
  std::string_view scheme = client_.tls ? "https" : "http";
  if (entry_->match == tenants::HostMatch::previous_name) {
    std::string current = tenant.portal_name + "." + snapshot_.hosts.base_domain();
    return LocalAnswer{std::nullopt, redirect_url(scheme, current, host_port_), false};
  }
  // ACME HTTP-01 challenges must stay on plain http (RFC 8555 8.3). With [acme] on, Portico
  // answers the tokens of its own pending challenges (any worker, any instance sharing the
  // storage); other tokens go upstream as before.
  constexpr std::string_view challenge_prefix = "/.well-known/acme-challenge/";
  bool acme_challenge = request.target().starts_with(challenge_prefix);
  if (acme_challenge && !client_.tls && worker_.acme != nullptr) {
    std::string_view token = std::string_view(request.target()).substr(challenge_prefix.size());
    if (auto key_authorization = worker_.acme->challenges().find(token)) {
      key_authorization_ = std::move(*key_authorization);
      return LocalAnswer{std::nullopt, {}, false};
    }
  }
  if (!client_.tls && snapshot_.config.server.redirect_http && client_.https_port != 0 && !acme_challenge) {
    return LocalAnswer{std::nullopt, redirect_url("https", host_, client_.https_port), false};
  }
  if (entry_->match == tenants::HostMatch::current_name && tenant.canonical_custom &&
      !tenant.custom_domains.empty()) {
    return LocalAnswer{std::nullopt, redirect_url(scheme, tenant.custom_domains.front(), host_port_),
                       false};
  }
  return std::nullopt;
}

// Phase 3 (DESIGN §4): the path the gates judge is exactly the path the upstream receives.
template <class Stream>
std::optional<LocalAnswer> Exchange<Stream>::normalize_and_gate() {
  auto& request = request_.get();
  policy::TargetError target_error{};
  if (!policy::normalize_target(request.target(), target_, target_error)) {
    return LocalAnswer{ProxyError::bad_target, {}, true};
  }
  std::uint32_t gates = snapshot_.gates.match(request.method_string(), target_.path);
  if ((gates & ~entry_->tenant->features) != 0) {
    return LocalAnswer{ProxyError::feature_disabled, {}, false};
  }
  request.target(target_.to_string());
  bool get_or_head = request.method() == bhttp::verb::get || head_request_;
  banner_candidate_ = get_or_head && !entry_->tenant->banner.empty() &&
                      snapshot_.banner_paths.matches(target_.path);
  return std::nullopt;
}

// Phase 4 (DESIGN §3): the head the upstream receives, kept in head_bytes_ until the
// response head replaces it (a retry on a fresh connection sends it again).
template <class Stream>
void Exchange<Stream>::write_upstream_head() {
  const auto& request = request_.get();
  RequestContext context;
  context.tenant = entry_->tenant;
  context.match = entry_->match;
  context.host = host_;
  context.proto = client_.tls ? "https" : "http";
  context.client_addr = client_.address;
  context.request_id = request_id_;
  context.method = request.method_string();
  context.target = request.target();
  context.signing_key = snapshot_.signing_key;
  context.unix_time = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  head_bytes_.clear();
  append_upstream_head(request, context, {.keep_upgrade = websocket_, .identity_encoding = banner_candidate_},
                       head_bytes_);
}

template <class Stream>
std::string Exchange<Stream>::redirect_url(std::string_view scheme, std::string_view host,
                                           std::uint16_t port) const {
  std::string url(scheme);
  url += "://";
  url += host;
  bool default_port = port == 0 || (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  if (!default_port) url += ":" + std::to_string(port);
  // Path and query byte-identical to what the client sent (DESIGN §2.7).
  std::string_view target = request_.get().target();
  url += target.empty() ? std::string_view("/") : target;
  return url;
}

template <class Stream>
LocalResponseOptions Exchange<Stream>::response_options(bool keep_alive) const {
  LocalResponseOptions options;
  options.version = client_version_;
  options.keep_alive = keep_alive;
  options.head = head_request_;
  options.wants_json = wants_json_;
  options.request_id = request_id_;
  if (client_.tls) options.hsts = snapshot_.config.tls.hsts;
  return options;
}

template <class Stream>
bool Exchange<Stream>::client_keeps_alive() const {
  return request_.keep_alive() && !worker_.draining.load(std::memory_order_relaxed);
}

// An answer Portico gives itself. A request body still unread would be taken for the next
// request, so the connection closes unless the request is complete.
template <class Stream>
asio::awaitable<AfterExchange> Exchange<Stream>::answer_locally(const LocalAnswer& answer) {
  bool header_parsed = request_.is_header_done();
  bool keep_alive = header_parsed && !answer.close && request_.is_done() && client_keeps_alive();
  LocalResponseOptions options = response_options(keep_alive);
  if (!header_parsed) options.version = 11;
  LocalResponse response =
      answer.error ? make_error_response(*answer.error,
                                         core::status_for(*answer.error, snapshot_.config.features.blocked_status),
                                         options)
      : answer.location.empty() ? make_challenge_response(key_authorization_, options)
                                : make_redirect_response(answer.location, options);
  status_ = response.result_int();
  outcome_ = outcome_of(answer);
  bytes_out_ = response.body().size();
  head_bytes_.clear();
  append_head(response, head_bytes_);
  const OutgoingPiece piece(head_bytes_, response.body(), false, true);  // sized, never chunked
  beast::get_lowest_layer(stream_).expires_after(snapshot_.config.limits.body_timeout);
  auto [ec, bytes] = co_await asio::async_write(stream_, piece.buffers(), nothrow_awaitable);
  co_return (ec || !keep_alive) ? AfterExchange::close : AfterExchange::keep_alive;
}

template <class Stream>
asio::awaitable<AfterExchange> run_exchange(WorkerContext& worker, Stream& stream,
                                            beast::flat_buffer& buffer, const ClientSide& client) {
  // The exchange keeps the snapshot it started with, even if a reload publishes another.
  std::shared_ptr<const config::Snapshot> snapshot = worker.snapshots.get();
  worker.metrics.on_snapshot(snapshot);  // a no-op unless a reload published a new one
  Exchange<Stream> exchange(worker, stream, buffer, client, *snapshot);
  co_return co_await exchange.run();
}

template class Exchange<beast::tcp_stream>;
template class Exchange<beast::ssl_stream<beast::tcp_stream>>;
template asio::awaitable<AfterExchange> run_exchange(WorkerContext&, beast::tcp_stream&,
                                                     beast::flat_buffer&, const ClientSide&);
template asio::awaitable<AfterExchange> run_exchange(WorkerContext&,
                                                     beast::ssl_stream<beast::tcp_stream>&,
                                                     beast::flat_buffer&, const ClientSide&);

}  // namespace portico::http
