// http/exchange_impl: the Exchange class behind run_exchange, shared by the translation
// units that define its phases (exchange.cpp: client side; forward.cpp: upstream side).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <optional>

#include "proxy/activity/rules.hpp"
#include "proxy/config/snapshot.hpp"
#include "proxy/core/proxy_error.hpp"
#include "proxy/http/exchange.hpp"
#include "proxy/http/local_response.hpp"
#include "proxy/observe/worker_metrics.hpp"
#include "proxy/http/trailer_guard.hpp"
#include "proxy/policy/request_target.hpp"
#include "proxy/upstream/pool.hpp"

namespace portico::http {

inline constexpr auto nothrow_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

// The result of a phase that may answer the request without the upstream.
struct LocalAnswer {
  std::optional<core::ProxyError> error;  // set: an error page
  std::string location;                   // else, when set: a 308 redirect to this absolute URL
  bool close = false;                     // the connection cannot be reused afterwards
  // Neither error nor location: 200 with the exchange's ACME challenge key authorization.
};

// How a locally answered request ended, for metrics and the access log.
observe::Outcome outcome_of(const LocalAnswer& answer) noexcept;

template <class Stream>
class Exchange {
 public:
  Exchange(WorkerContext& worker, Stream& stream, boost::beast::flat_buffer& buffer,
           const ClientSide& client, const config::Snapshot& snapshot);

  // read head -> resolve tenant -> (redirect | 404 | 421) -> normalize path -> gate
  // -> rewrite headers -> forward (acquire upstream, relay both ways)
  boost::asio::awaitable<AfterExchange> run();

 private:
  using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;
  using ResponseParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

  // exchange.cpp: the client side
  boost::asio::awaitable<std::optional<LocalAnswer>> read_head(bool& connection_done);
  std::optional<LocalAnswer> resolve_tenant();
  std::optional<LocalAnswer> normalize_and_gate();
  void write_upstream_head();
  boost::asio::awaitable<AfterExchange> answer_locally(const LocalAnswer& answer);
  // After the answer: metrics and the access log line.
  void finish();
  void emit_activity();  // activity events, once the upstream's response head is in
  void write_access_line(std::chrono::nanoseconds total);
  std::string redirect_url(std::string_view scheme, std::string_view host, std::uint16_t port) const;
  LocalResponseOptions response_options(bool keep_alive) const;

  // forward.cpp: the upstream side
  boost::asio::awaitable<AfterExchange> forward();
  boost::asio::awaitable<std::optional<core::ProxyError>> send_request(upstream::Connection& up);
  boost::asio::awaitable<std::optional<core::ProxyError>> read_response_head(
      upstream::Connection& up, std::optional<ResponseParser>& response);
  boost::asio::awaitable<AfterExchange> relay_response(std::unique_ptr<upstream::Connection> up,
                                                       ResponseParser& response);
  boost::asio::awaitable<void> tunnel(upstream::Connection& up);
  bool client_keeps_alive() const;
  bool injects_banner(const ResponseParser& response) const;
  using ResponseHeader = boost::beast::http::response<boost::beast::http::buffer_body>;
  void take_declared_activity(const ResponseHeader& response);

  WorkerContext& worker_;
  Stream& stream_;
  boost::beast::flat_buffer& buffer_;
  const ClientSide& client_;
  const config::Snapshot& snapshot_;

  RequestParser request_;
  std::string request_id_;
  std::string head_bytes_;   // the head being sent (to the upstream, then to the client)
  std::string host_;         // normalized
  std::string key_authorization_;  // the answer to an ACME HTTP-01 challenge, when this is one
  std::uint16_t host_port_ = 0;  // port in the Host header, 0 = none
  const tenants::HostEntry* entry_ = nullptr;
  policy::RequestTarget target_;
  unsigned client_version_ = 11;  // 10 or 11; the upstream request is always 1.1
  bool head_request_ = false;
  bool expects_continue_ = false;
  bool websocket_ = false;
  bool body_started_ = false;  // some of the request body was read from the client
  bool wants_json_ = false;
  bool banner_candidate_ = false;  // GET/HEAD on a banner path of a tenant with a banner

  // What finish() reports.
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  unsigned status_ = 0;
  observe::Outcome outcome_ = observe::Outcome::local;
  std::uint64_t bytes_in_ = 0;   // request body bytes read from the client
  std::uint64_t bytes_out_ = 0;  // response body bytes written to the client
  std::optional<std::chrono::nanoseconds> upstream_time_;  // until the response head arrived
  std::optional<activity::RuleMatch> declared_activity_;   // the upstream's X-Portal-Activity
  TrailerGuard request_trailers_;   // request trailers are refused (docs/decisions.md)
  TrailerGuard response_trailers_;  // response trailers are dropped, never merged
};

}  // namespace portico::http
