// activity/activity_service: the activity pipeline as the server sees it (DESIGN §6):
// submit() from request threads (spool append only), a delivery thread for the webhook.
// One service per spool_dir (locked); it outlives reloads that keep [activity] unchanged.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "proxy/activity/counters.hpp"
#include "proxy/activity/event.hpp"
#include "proxy/activity/webhook_client.hpp"
#include "proxy/config/model.hpp"

namespace portico::activity {

class ActivitySpool;
class DeliveryLoop;

// Knobs tests turn; the defaults are the production values.
struct ActivityTuning {
  std::uint64_t segment_bytes = 0;  // 0 = max_spool_bytes / 8, clamped to 64KiB-8MiB
  std::chrono::milliseconds retry_initial{250};
  WebhookTimeouts timeouts;
};

class ActivityService {
 public:
  // Opens (creating) [activity] spool_dir, locks it, recovers the cursor and the first_only
  // memory, counts the backlog into counters().pending. `signing_key` is the [context]
  // secret (empty: batches are unsigned). nullptr with `error` set when spool_dir is empty,
  // unusable or already in use, or the webhook URL is invalid. Does not start delivery.
  static std::unique_ptr<ActivityService> open(const config::ActivitySection& activity,
                                               std::string signing_key, std::string& error,
                                               ActivityTuning tuning = {});
  ActivityService(const ActivityService&) = delete;
  ActivityService& operator=(const ActivityService&) = delete;
  ~ActivityService();  // stop()

  // Appends the event (stamped with an id and time when those are empty) to the spool.
  // True once it is in the spool, and so counted as emitted; false (and counted) when the
  // spool is full or the write failed. Any thread, never blocks on delivery, never throws.
  bool submit(const Event& event) noexcept;

  void start();  // starts the delivery thread (once)
  // Cancels the attempt in flight, joins the thread, fsyncs the spool; undelivered events
  // stay in the spool for the next run. Idempotent.
  void stop();

  const ActivityCounters& counters() const noexcept { return counters_; }
  const std::string& spool_dir() const noexcept { return spool_dir_; }

 private:
  ActivityService() = default;

  std::string spool_dir_;
  ActivityCounters counters_;
  std::unique_ptr<ActivitySpool> spool_;
  std::unique_ptr<DeliveryLoop> delivery_;
};

}  // namespace portico::activity
