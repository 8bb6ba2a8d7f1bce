// upstream/health_checker: GET health_path on every server, concurrently, each round.
// A server passes with a 2xx or 3xx answer within connect_timeout + response_timeout
// (capped at one interval, so rounds never overlap).
#include "proxy/upstream/health_checker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "proxy/observe/log.hpp"

namespace portico::upstream {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_check_response_bytes = 64 * 1024;
}  // namespace

struct HealthChecker::State {
  State(asio::io_context& context, const config::SnapshotStore& snapshots)
      : io(context), store(snapshots), timer(context) {}
  asio::io_context& io;
  const config::SnapshotStore& store;
  asio::steady_timer timer;
  bool stopped = false;
  std::vector<std::shared_ptr<beast::tcp_stream>> in_flight;  // closed by stop()
};

namespace {

asio::awaitable<bool> check_server(std::shared_ptr<beast::tcp_stream> stream, config::Endpoint server,
                                   std::string path, std::chrono::milliseconds connect_timeout,
                                   std::chrono::milliseconds response_timeout) {
  tcp::resolver resolver(stream->get_executor());
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(
      server.host, std::to_string(server.port), tcp::resolver::numeric_service, nothrow);
  if (resolve_ec) co_return false;
  stream->expires_after(connect_timeout);
  auto [connect_ec, endpoint] = co_await stream->async_connect(endpoints, nothrow);
  if (connect_ec) co_return false;
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, path, 11};
  request.set(bhttp::field::host, server.to_string());
  request.set(bhttp::field::user_agent, "portico-health-check");
  request.set(bhttp::field::connection, "close");
  stream->expires_after(response_timeout);
  auto [write_ec, written] = co_await bhttp::async_write(*stream, request, nothrow);
  if (write_ec) co_return false;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_check_response_bytes);
  auto [read_ec, read] = co_await bhttp::async_read(*stream, buffer, parser, nothrow);
  if (read_ec) co_return false;
  unsigned status = parser.get().result_int();
  co_return status >= 200 && status < 400;
}

// What one round needs, copied out of the current snapshot: the loop holds no snapshot
// across its waits, so the one a reload replaced is freed as soon as requests let go of it,
// not at this loop's next round (which kept a whole tenant table alive through the next
// reload's build).
struct Round {
  std::shared_ptr<UpstreamHealth> health;  // null: no active checks, only wait `interval`
  std::string path;
  std::chrono::milliseconds interval{};
  std::chrono::milliseconds connect_timeout{};
  std::chrono::milliseconds response_timeout{};
};

Round next_round(const config::SnapshotStore& store) {
  const std::shared_ptr<const config::Snapshot> snapshot = store.current();
  const auto& upstream = snapshot->config.upstream;
  Round round;
  round.health = snapshot->upstream_health;
  if (!round.health || !round.health->active_checks()) {
    round.health = nullptr;
    round.interval = upstream.health_interval;  // a reload may turn checks on
    return round;
  }
  round.path = upstream.health_path;
  round.interval = round.health->interval();
  round.response_timeout = std::min(upstream.response_timeout, round.interval);
  round.connect_timeout = std::min(upstream.connect_timeout, round.interval);
  return round;
}

asio::awaitable<void> check_loop(std::shared_ptr<HealthChecker::State> state) {
  while (!state->stopped) {
    const Round round = next_round(state->store);
    if (round.health) {
      std::shared_ptr<UpstreamHealth> health = round.health;
      // One coroutine per server; the round waits for all of them.
      auto remaining = std::make_shared<std::size_t>(health->size());
      asio::steady_timer round_done(state->io, asio::steady_timer::time_point::max());
      for (std::size_t i = 0; i < health->size(); ++i) {
        auto stream = std::make_shared<beast::tcp_stream>(state->io);
        state->in_flight.push_back(stream);
        asio::co_spawn(
            state->io,
            check_server(stream, health->endpoint(i), round.path, round.connect_timeout, round.response_timeout),
            [health, i, remaining, &round_done](std::exception_ptr error, bool passed) {
              if (error) passed = false;
              if (health->record_check(i, passed)) {
                observe::log(passed ? observe::LogLevel::info : observe::LogLevel::warn,
                             passed ? "upstream server is back" : "upstream server failed its health check",
                             {{"server", health->name(i)}});
              }
              if (--*remaining == 0) round_done.cancel();
            });
      }
      if (*remaining != 0) co_await round_done.async_wait(nothrow);
      state->in_flight.clear();
      if (state->stopped) co_return;
    }
    state->timer.expires_after(round.interval);
    co_await state->timer.async_wait(nothrow);
  }
}

}  // namespace

HealthChecker::HealthChecker(asio::io_context& io, const config::SnapshotStore& store)
    : state_(std::make_shared<State>(io, store)) {}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::start() { asio::co_spawn(state_->io, check_loop(state_), asio::detached); }

void HealthChecker::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  state_->timer.cancel();
  for (auto& stream : state_->in_flight) stream->close();
}

}  // namespace portico::upstream
