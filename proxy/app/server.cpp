// app/server: start-up, signals, reload, drain.
#include "proxy/app/server.hpp"

#include <csignal>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <thread>

#include "proxy/observe/log.hpp"

namespace portico::app {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using observe::LogLevel;

namespace {

bool resolve_listener(const config::Endpoint& endpoint, bool tls, ListenerSpec& spec) {
  boost::system::error_code ec;
  asio::io_context scratch;
  tcp::resolver resolver(scratch);
  auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port),
                                  tcp::resolver::numeric_service | tcp::resolver::passive, ec);
  if (ec || results.empty()) return false;
  spec.endpoint = results.begin()->endpoint();
  spec.tls = tls;
  return true;
}

}  // namespace

Server::Server(std::string config_path, std::shared_ptr<const config::Snapshot> initial)
    : config_path_(std::move(config_path)) {
  next_generation_ = initial->generation + 1;
  store_.publish(std::move(initial));
}

bool Server::start() {
  auto snapshot = store_.current();
  const auto& server = snapshot->config.server;
  unsigned count = server.workers != 0 ? server.workers : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < count; ++i) workers_.push_back(std::make_unique<Worker>(store_, draining_));

  // https first: the plaintext listeners redirect to the first https port.
  std::uint16_t https_port = 0;
  auto bind_all = [&](const std::vector<config::Endpoint>& endpoints, bool tls) {
    for (const auto& endpoint : endpoints) {
      ListenerSpec spec;
      if (!resolve_listener(endpoint, tls, spec)) {
        observe::log(LogLevel::error, "cannot resolve listen address", {{"address", endpoint.to_string()}});
        return false;
      }
      for (auto& worker : workers_) {
        boost::system::error_code ec;
        tcp::endpoint bound = worker->listen(spec, https_port, ec);
        if (ec) {
          observe::log(LogLevel::error, "cannot listen",
                       {{"address", endpoint.to_string()}, {"error", ec.message()}});
          return false;
        }
        spec.endpoint = bound;  // port 0: the other workers join the port the first one got
      }
      if (tls && https_port == 0) https_port = spec.endpoint.port();
      std::string address = spec.endpoint.address().to_string() + ":" + std::to_string(spec.endpoint.port());
      observe::log(LogLevel::info, "listening", {{"listener", tls ? "https" : "http"}, {"address", address}});
    }
    return true;
  };
  if (!server.https_listen.empty() && !snapshot->certificates->server_context()) {
    observe::log(LogLevel::error, "https_listen needs [tls] certificate");
    return false;
  }
  if (!bind_all(server.https_listen, true) || !bind_all(server.http_listen, false)) return false;
  for (auto& worker : workers_) worker->start();
  observe::log(LogLevel::info, "started",
               {{"workers", std::to_string(count)},
                {"tenants", std::to_string(snapshot->hosts.tenants().size())}});
  return true;
}

int Server::run() {
  wait_for_signals();
  control_.run();
  for (auto& worker : workers_) worker->join();
  observe::log(LogLevel::info, "stopped");
  return 0;
}

void Server::wait_for_signals() {
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload();
      wait_for_signals();
      return;
    }
    drain();
  });
}

std::vector<config::Problem> Server::reload() {
  auto started = std::chrono::steady_clock::now();
  config::CompileResult result = config::build_snapshot(config_path_, next_generation_++);
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<config::Problem> errors;
  for (const auto& problem : result.problems) {
    if (!problem.warning) errors.push_back(problem);
    observe::log(problem.warning ? LogLevel::warn : LogLevel::error, "config problem",
                 {{"problem", config::format_problem(problem)}});
  }
  if (!result.ok()) {
    observe::log(LogLevel::error, "reload refused; the previous config keeps serving",
                 {{"errors", std::to_string(errors.size())}});
    return errors;
  }
  observe::log(LogLevel::info, "reloaded",
               {{"seconds", std::to_string(elapsed)},
                {"tenants", std::to_string(result.snapshot->hosts.tenants().size())}});
  store_.publish(std::move(result.snapshot));
  return {};
}

// Stop accepting, close idle connections, let in-flight exchanges finish; each worker's
// io_context runs out of work when its last connection ends. At drain_timeout the rest
// are cut.
void Server::drain() {
  if (draining_.exchange(true)) return;
  auto timeout = store_.current()->config.server.drain_timeout;
  observe::log(LogLevel::info, "draining", {{"timeout_ms", std::to_string(timeout.count())}});
  for (auto& worker : workers_) worker->begin_drain();
  poll_drain(std::chrono::steady_clock::now() + timeout);
}

void Server::poll_drain(std::chrono::steady_clock::time_point deadline) {
  std::size_t open = 0;
  for (auto& worker : workers_) open += worker->open_connections();
  if (open != 0 && std::chrono::steady_clock::now() >= deadline) {
    observe::log(LogLevel::warn, "drain timeout: closing remaining connections",
                 {{"connections", std::to_string(open)}});
    for (auto& worker : workers_) worker->cut_all();
    open = 0;
  }
  if (open == 0) {
    signals_.cancel();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(50));
  drain_timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
    if (!ec) poll_drain(deadline);
  });
}

}  // namespace portico::app
