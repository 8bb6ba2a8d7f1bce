// upstream/health_checker: active health checks ([upstream] health_path every
// health_interval) of the servers of the current snapshot, on the control thread's
// io_context, never on a worker. Results go to that snapshot's UpstreamHealth.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "proxy/config/snapshot_store.hpp"

namespace portico::upstream {

class HealthChecker {
 public:
  HealthChecker(boost::asio::io_context& io, const config::SnapshotStore& store);
  ~HealthChecker();  // stop()
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Starts the check loop; a round runs at once, then every health_interval of the
  // snapshot current at that time. Rounds with no health_path configured check nothing.
  void start();
  void stop();  // cancels the loop and any check in flight (control thread)

  struct State;  // defined in the .cpp; shared with the check coroutines

 private:
  std::shared_ptr<State> state_;
};

}  // namespace portico::upstream
