// activity/delivery_loop: the delivery thread. Tails the spool from the persisted cursor,
// suppresses repeated first_only events, POSTs batches with retries, fsyncs the spool.
// Owns its thread and io_context; shares only the spool and the counters (atomics).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "proxy/activity/counters.hpp"
#include "proxy/activity/retry_backoff.hpp"
#include "proxy/activity/seen_set.hpp"
#include "proxy/activity/spool.hpp"
#include "proxy/activity/spool_reader.hpp"
#include "proxy/activity/webhook_client.hpp"

namespace portico::activity {

struct DeliverySettings {
  std::optional<WebhookUrl> webhook;  // nullopt: events are only spooled
  std::string signing_key;            // empty: batches are not signed
  std::size_t batch_max_events = 100;
  std::chrono::milliseconds retry_initial{250};
  std::chrono::milliseconds retry_max_backoff{std::chrono::minutes(5)};
  std::chrono::milliseconds fsync_interval{1000};
  WebhookTimeouts timeouts;
};

class DeliveryLoop {
 public:
  DeliveryLoop(ActivitySpool& spool, ActivityCounters& counters, DeliverySettings settings,
               SpoolPosition cursor, SeenSet seen);
  DeliveryLoop(const DeliveryLoop&) = delete;
  DeliveryLoop& operator=(const DeliveryLoop&) = delete;
  ~DeliveryLoop();

  void start();  // once; later calls do nothing
  // Cancels the attempt in flight, joins the thread, fsyncs the spool. What was not
  // acknowledged stays after the persisted cursor for the next run.
  void stop();
  // New lines were appended: any thread, cheap (an atomic exchange unless the loop sleeps).
  void wake() noexcept;

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> sync_loop();
  boost::asio::awaitable<void> idle(std::uint64_t spooled_before_read);
  boost::asio::awaitable<bool> send(const std::string& body);
  boost::asio::awaitable<void> pause(std::chrono::milliseconds delay);
  std::size_t build_body(const SpoolBatch& batch, std::string& body);
  void finish(const SpoolBatch& batch, std::size_t sent);
  void advance(SpoolPosition next);
  void sync_spool();
  void log_failure(const std::string& what);
  void on_stop();

  ActivitySpool& spool_;
  ActivityCounters& counters_;
  DeliverySettings settings_;
  SpoolReader reader_;
  SeenSet seen_;
  SpoolPosition cursor_;

  boost::asio::io_context io_;
  boost::asio::steady_timer wake_timer_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer sync_timer_;
  std::optional<WebhookClient> client_;
  RetryBackoff backoff_;
  std::mt19937_64 random_;
  std::thread thread_;
  std::atomic<bool> started_{false};
  std::atomic<bool> sleeping_{false};
  bool stop_seen_ = false;  // io thread only: set by the posted stop, checked before each wait

  std::uint64_t synced_spooled_ = 0;  // counters.spooled at the last fsync
  std::uint64_t synced_segment_ = 0;  // segments from here on may hold unsynced data
  bool failing_ = false;              // the last attempt failed (for the recovery log line)
  std::chrono::steady_clock::time_point last_failure_log_{};
};

}  // namespace portico::activity
