// http/worker_context: what a client session borrows from the worker thread that runs it.
// Everything here belongs to that one thread, except `draining`, which the server sets, and
// the access log and activity service, which are thread-safe and shared by all workers.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>

#include "proxy/config/snapshot_store.hpp"
#include "proxy/http/relay_buffers.hpp"
#include "proxy/http/request_id.hpp"
#include "proxy/upstream/pool.hpp"

namespace portico::observe {
class WorkerMetrics;
class AccessLog;
}  // namespace portico::observe
namespace portico::activity {
class ActivityService;
}
namespace portico::acme {
class AcmeManager;
}

namespace portico::http {

class SessionRegistry;

struct WorkerContext {
  boost::asio::any_io_executor executor;
  config::SnapshotCache& snapshots;
  upstream::Pool& pool;
  RelayBuffers& relay_buffers;
  RequestIdGenerator& request_ids;
  SessionRegistry& sessions;
  const std::atomic<bool>& draining;
  observe::WorkerMetrics& metrics;
  observe::AccessLog& access_log;
  activity::ActivityService* activity;  // null: [activity] spool_dir is not set
  acme::AcmeManager* acme;              // null: no [acme] section (thread-safe parts only)
};

}  // namespace portico::http
