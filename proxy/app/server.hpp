// app/server: the running proxy: worker threads and their listeners, the admin listener,
// health checks, metrics, access log and activity delivery; signals, reload and drain.
// Reloads, checks and scrapes run on the control thread, never on a worker.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "proxy/acme/acme_manager.hpp"
#include "proxy/activity/activity_service.hpp"
#include "proxy/app/admin_server.hpp"
#include "proxy/app/worker.hpp"
#include "proxy/config/snapshot_store.hpp"
#include "proxy/observe/access_log.hpp"
#include "proxy/observe/metrics.hpp"
#include "proxy/upstream/health_checker.hpp"

namespace portico::app {

// Logs a config's problems at start-up or reload: every error, and the first
// `max_warnings` warnings with a count of the rest (a table of 100,000 tenants may warn about
// every custom domain; `portico --check` lists them all).
inline constexpr std::size_t logged_warnings_limit = 20;
void log_config_problems(const std::vector<config::Problem>& problems,
                         std::size_t max_warnings = logged_warnings_limit);

class Server {
 public:
  Server(std::string config_path, std::shared_ptr<const config::Snapshot> initial);
  ~Server();

  // Opens the activity spool, binds every listener on every worker and the admin
  // listener. Returns false (and logs why) on failure.
  bool start();
  // Runs until SIGTERM/SIGINT and the drain that follows; returns the exit code.
  int run();

  // Load + compile the config file again and publish it if it is valid. Returns the
  // problems (empty on success).
  std::vector<config::Problem> reload();

 private:
  bool bind_listeners(std::size_t worker_count);
  AdminHandlers admin_handlers();
  void drain();
  void poll_drain(std::chrono::steady_clock::time_point deadline);
  void wait_for_signals();
  void retire(std::shared_ptr<const config::Snapshot> replaced);
  void release_retired(std::chrono::milliseconds next_poll);

  std::string config_path_;
  config::SnapshotStore store_;
  std::atomic<bool> started_{false};
  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> open_connections_{0};  // all workers: [limits] max_connections
  std::atomic<std::uint64_t> next_generation_{1};
  boost::asio::io_context control_{1};
  boost::asio::signal_set signals_{control_};
  boost::asio::steady_timer drain_timer_{control_};
  // Snapshots a reload replaced, kept until no worker or connection holds them any more and
  // then destroyed here, on the control thread: freeing 100,000 tenants takes a tenth of a
  // second, which the last request to drop them would otherwise stall its worker for.
  std::vector<std::shared_ptr<const config::Snapshot>> retired_;
  boost::asio::steady_timer retire_timer_{control_};
  // Used by the workers, so declared before them: the workers are destroyed first.
  observe::MetricsRegistry metrics_;
  std::unique_ptr<observe::AccessLog> access_log_;
  std::unique_ptr<activity::ActivityService> activity_;
  std::unique_ptr<acme::AcmeManager> acme_;  // null: no [acme] section
  std::unique_ptr<upstream::HealthChecker> health_checker_;
  std::unique_ptr<AdminServer> admin_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace portico::app
