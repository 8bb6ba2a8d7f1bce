// app/worker: one thread, one io_context, its own acceptors (SO_REUSEPORT), upstream pool,
// request ids and snapshot cache. Nothing in a worker is shared with another worker.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "proxy/config/snapshot_store.hpp"
#include "proxy/http/request_id.hpp"
#include "proxy/http/session.hpp"
#include "proxy/observe/worker_metrics.hpp"
#include "proxy/upstream/pool.hpp"

namespace portico::app {

struct ListenerSpec {
  boost::asio::ip::tcp::endpoint endpoint;  // port 0 resolved by the first worker to bind
  bool tls = false;
};

class Worker {
 public:
  // `metrics` is this worker's block (only this worker writes it); the access log and the
  // activity service (null when off) are shared by all workers and outlive them.
  // `process_connections` counts the open client connections of every worker, so that
  // [limits] max_connections holds for the process (touched once per connection only).
  Worker(const config::SnapshotStore& store, const std::atomic<bool>& draining,
         std::atomic<std::size_t>& process_connections, observe::WorkerMetrics& metrics,
         observe::AccessLog& access_log, activity::ActivityService* activity,
         acme::AcmeManager* acme);

  // Opens an acceptor on `endpoint` with SO_REUSEPORT; returns the bound endpoint.
  boost::asio::ip::tcp::endpoint listen(const ListenerSpec& spec, std::uint16_t https_port,
                                        boost::system::error_code& ec);
  void start();  // starts the thread running the io_context
  void join();

  // Thread-safe: posted to the worker's own thread.
  void begin_drain();  // close acceptors and idle connections
  void cut_all();      // drain timeout: close every connection

  std::size_t open_connections() const noexcept { return open_connections_.load(); }
  // Of those, the idle keep-alive ones parked with no session (any thread).
  std::size_t parked_connections() const noexcept { return parking_.size(); }

 private:
  struct Acceptor {
    boost::asio::ip::tcp::acceptor acceptor;
    http::ClientSide side;
  };
  boost::asio::awaitable<void> accept_loop(Acceptor& acceptor);
  bool admit_connection();
  void refuse_connection(boost::asio::ip::tcp::socket& socket, bool tls);
  void serve_plain(boost::asio::ip::tcp::socket socket, http::ClientSide side, bool woken);
  void connection_closed();

  // Before io_: coroutine frames the io_context destroys may still hold a lease.
  http::RelayBuffers relay_buffers_;
  boost::asio::io_context io_{1};
  config::SnapshotCache snapshots_;
  upstream::Pool pool_;
  http::RequestIdGenerator request_ids_;
  http::ParkingLot parking_;
  http::SessionRegistry sessions_;
  http::WorkerContext context_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  observe::WorkerMetrics& metrics_;
  std::atomic<std::size_t> open_connections_{0};
  std::atomic<std::size_t>& process_connections_;
  std::thread thread_;
};

}  // namespace portico::app
