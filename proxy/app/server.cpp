// app/server: start-up, signals, reload, drain.
#include "proxy/app/server.hpp"

#include <csignal>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

#include "proxy/app/metric_families.hpp"
#include "proxy/app/resolve_report.hpp"
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

// [activity] settings other than the rules belong to the running spool and delivery thread.
bool same_activity_service(const config::ActivitySection& a, const config::ActivitySection& b) {
  return a.spool_dir == b.spool_dir && a.webhook == b.webhook && a.max_spool_bytes == b.max_spool_bytes &&
         a.batch_max_events == b.batch_max_events && a.retry_max_backoff == b.retry_max_backoff &&
         a.fsync_interval == b.fsync_interval;
}

// Settings a reload cannot apply to a running process (listeners, threads, files it holds).
void warn_restart_needed(const config::Config& running, const config::Config& loaded) {
  auto endpoints = [](const std::vector<config::Endpoint>& list) {
    std::string text;
    for (const auto& endpoint : list) text += endpoint.to_string() + " ";
    return text;
  };
  std::vector<std::string_view> sections;
  if (endpoints(running.server.http_listen) != endpoints(loaded.server.http_listen) ||
      endpoints(running.server.https_listen) != endpoints(loaded.server.https_listen) ||
      running.server.workers != loaded.server.workers) {
    sections.push_back("[server] listeners/workers");
  }
  if (running.admin.listen.to_string() != loaded.admin.listen.to_string() ||
      running.admin.token_file != loaded.admin.token_file) {
    sections.push_back("[admin]");
  }
  if (running.log.access != loaded.log.access) sections.push_back("[log] access");
  if (!same_activity_service(running.activity, loaded.activity)) sections.push_back("[activity] (except rules)");
  const auto& a = running.acme;
  const auto& b = loaded.acme;
  if (a.enabled != b.enabled || a.directory != b.directory || a.email != b.email || a.storage_dir != b.storage_dir ||
      a.ca_bundle != b.ca_bundle || a.renew_before != b.renew_before || a.renew_min_interval != b.renew_min_interval ||
      a.max_orders_per_hour != b.max_orders_per_hour || a.handshake_wait != b.handshake_wait ||
      a.retry_min != b.retry_min || a.retry_max != b.retry_max || a.cleanup_grace != b.cleanup_grace) {
    sections.push_back("[acme] (the tenant table applies at once)");
  }
  for (auto section : sections) {
    observe::log(LogLevel::warn, "reload: this change takes effect at the next restart", {{"section", section}});
  }
}

// CPU time of the calling thread: next to a reload's wall time, it tells work from waiting
// for a CPU the workers are busy on.
double thread_cpu_seconds() {
  timespec now{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) return 0;
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

}  // namespace

void log_config_problems(const std::vector<config::Problem>& problems, std::size_t max_warnings) {
  std::size_t warnings = 0;
  for (const auto& problem : problems) {
    if (problem.warning && warnings++ >= max_warnings) continue;
    observe::log(problem.warning ? LogLevel::warn : LogLevel::error, "config problem",
                 {{"problem", config::format_problem(problem)}});
  }
  if (warnings > max_warnings) {
    observe::log(LogLevel::warn, "more config warnings not logged; portico --check lists them all",
                 {{"count", std::to_string(warnings - max_warnings)}});
  }
}

Server::Server(std::string config_path, std::shared_ptr<const config::Snapshot> initial)
    : config_path_(std::move(config_path)) {
  next_generation_ = initial->generation + 1;
  store_.publish(std::move(initial));
  metrics_.mark_config_loaded();
  // Registered now, so a signal that arrives during start-up waits for run() instead of
  // taking the default action.
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) signals_.add(signal);
}

Server::~Server() {
  for (auto& worker : workers_) worker->join();
}

bool Server::start() {
  auto snapshot = store_.current();
  const auto& config = snapshot->config;
  access_log_ = std::make_unique<observe::AccessLog>(config.log.access);
  if (!access_log_->ok()) return false;
  if (!config.activity.spool_dir.empty()) {
    std::string error;
    activity_ = activity::ActivityService::open(config.activity, snapshot->signing_key, error);
    if (!activity_) {
      observe::log(LogLevel::error, "cannot open the activity spool", {{"error", error}});
      return false;
    }
  }
  if (config.acme.enabled) {
    acme_ = std::make_unique<acme::AcmeManager>(control_, config.acme);
    std::string error;
    if (!acme_->start(error)) {
      observe::log(LogLevel::error, "cannot open the ACME storage", {{"error", error}});
      return false;
    }
  }
  unsigned count = config.server.workers != 0 ? config.server.workers
                                              : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < count; ++i) {
    workers_.push_back(std::make_unique<Worker>(store_, draining_, open_connections_,
                                                metrics_.add_worker(), *access_log_, activity_.get(),
                                                acme_.get()));
  }
  if (!bind_listeners(count)) return false;

  metrics_.add_collector([this](observe::PrometheusWriter& writer) {
    auto current = store_.current();
    write_tls_metrics(writer, *current);
    write_upstream_health_metrics(writer, *current);
  });
  if (activity_) {
    metrics_.add_collector([this](observe::PrometheusWriter& writer) {
      write_activity_metrics(writer, activity_->counters());
    });
  }
  if (acme_) {
    metrics_.add_collector([this](observe::PrometheusWriter& writer) { acme_->write_metrics(writer); });
  }
  metrics_.add_collector([this](observe::PrometheusWriter& writer) { access_log_->write_metrics(writer); });
  metrics_.add_collector([this](observe::PrometheusWriter& writer) {
    std::uint64_t parked = 0;
    for (const auto& worker : workers_) parked += worker->parked_connections();
    writer.family("portico_parked_connections", "gauge",
                  "Idle keep-alive connections (plain http) held with no session; part of portico_open_connections.");
    writer.sample("portico_parked_connections", {}, parked);
  });
  admin_ = std::make_unique<AdminServer>(control_, config.admin, admin_handlers());
  if (!admin_->start()) return false;

  for (auto& worker : workers_) worker->start();
  if (activity_) activity_->start();
  health_checker_ = std::make_unique<upstream::HealthChecker>(control_, store_);
  health_checker_->start();
  if (acme_) acme_->sync(*snapshot);  // custom domains are ordered ahead of time from now on
  started_ = true;
  observe::log(LogLevel::info, "started",
               {{"workers", std::to_string(count)},
                {"tenants", std::to_string(snapshot->hosts.tenants().size())}});
  return true;
}

bool Server::bind_listeners(std::size_t worker_count) {
  auto snapshot = store_.current();
  const auto& server = snapshot->config.server;
  // https first: the plaintext listeners redirect to the first https port.
  std::uint16_t https_port = 0;
  auto bind_all = [&](const std::vector<config::Endpoint>& endpoints, bool tls) {
    for (const auto& endpoint : endpoints) {
      ListenerSpec spec;
      if (!resolve_listener(endpoint, tls, spec)) {
        observe::log(LogLevel::error, "cannot resolve listen address", {{"address", endpoint.to_string()}});
        return false;
      }
      for (std::size_t i = 0; i < worker_count; ++i) {
        boost::system::error_code ec;
        tcp::endpoint bound = workers_[i]->listen(spec, https_port, ec);
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
  return bind_all(server.https_listen, true) && bind_all(server.http_listen, false);
}

AdminHandlers Server::admin_handlers() {
  AdminHandlers handlers;
  handlers.ready = [this] { return started_.load() && !draining_.load(); };
  handlers.metrics = [this] { return metrics_.render(); };
  handlers.reload = [this] { return reload(); };
  handlers.resolve = [this](std::string_view host) { return resolve_report(*store_.current(), host, acme_.get()); };
  handlers.domains = [this] { return domains_report(*store_.current(), acme_.get()); };
  return handlers;
}

int Server::run() {
  wait_for_signals();
  control_.run();
  for (auto& worker : workers_) worker->join();
  if (admin_) admin_->stop();
  if (activity_) activity_->stop();
  if (access_log_) access_log_->flush();
  observe::log(LogLevel::info, "stopped");
  return 0;
}

void Server::wait_for_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP || signal == SIGUSR1) {
      if (signal == SIGHUP) reload();
      if (signal == SIGUSR1 && access_log_) access_log_->reopen();  // logrotate
      wait_for_signals();
      return;
    }
    drain();
  });
}

std::vector<config::Problem> Server::reload() {
  auto started = std::chrono::steady_clock::now();
  const double cpu_started = thread_cpu_seconds();
  config::CompileResult result = config::build_snapshot(config_path_, next_generation_++);
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = thread_cpu_seconds() - cpu_started;
  std::vector<config::Problem> errors;
  for (const auto& problem : result.problems) {
    if (!problem.warning) errors.push_back(problem);
  }
  log_config_problems(result.problems);
  if (!result.ok()) {
    metrics_.record_reload(false);
    observe::log(LogLevel::error, "reload refused; the previous config keeps serving",
                 {{"errors", std::to_string(errors.size())}});
    return errors;
  }
  auto running = store_.current();
  warn_restart_needed(running->config, result.snapshot->config);
  result.snapshot->upstream_health->inherit(*running->upstream_health);
  const std::size_t tenant_count = result.snapshot->hosts.tenants().size();
  // Published before "reloaded" is logged: whoever reads that line (an operator, a test)
  // may count on the next request being served by the new config.
  store_.publish(std::move(result.snapshot));
  // Same thread as every demand the manager handles, so no handshake can ask about a domain
  // of the new table before the manager knows it.
  if (acme_) acme_->sync(*store_.current());
  metrics_.record_reload(true);
  observe::log(LogLevel::info, "reloaded",
               {{"seconds", std::to_string(elapsed)},
                {"cpu_seconds", std::to_string(cpu)},
                {"tenants", std::to_string(tenant_count)}});
  retire(std::move(running));
  return {};
}

void Server::retire(std::shared_ptr<const config::Snapshot> replaced) {
  retired_.push_back(std::move(replaced));
  release_retired(std::chrono::milliseconds(100));
}

// Polls rather than waits: a worker lets go of a snapshot, and retires its per-tenant
// metrics block (which names tenants through the host table), at its first request on the
// next one; the blocks it let go are folded into the registry's totals here. So a replaced
// snapshot is usually freed within a poll or two, before the next reload builds, and that
// build reuses its memory instead of faulting in fresh pages. Once
// the use count is 1, only retired_ holds the snapshot and nothing can take it again (the
// store publishes only newer ones), so destroying it here races with no one. The poll backs
// off to every 8 s while a snapshot stays held (until the next reload, typically).
void Server::release_retired(std::chrono::milliseconds next_poll) {
  metrics_.fold_retired_tenant_blocks();
  std::erase_if(retired_, [](const auto& snapshot) { return snapshot.use_count() == 1; });
  retire_timer_.cancel();
  if (retired_.empty() || draining_.load()) return;
  retire_timer_.expires_after(next_poll);
  retire_timer_.async_wait([this, next_poll](const boost::system::error_code& ec) {
    if (!ec) release_retired(std::min(next_poll * 2, std::chrono::milliseconds(8000)));
  });
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
    // The control io_context runs out of work: run() returns and joins the workers.
    signals_.cancel();
    retire_timer_.cancel();  // what is still held goes with the server
    if (acme_) acme_->stop();
    if (health_checker_) health_checker_->stop();
    if (admin_) admin_->stop();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(50));
  drain_timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
    if (!ec) poll_drain(deadline);
  });
}

}  // namespace portico::app
