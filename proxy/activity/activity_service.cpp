// activity/activity_service: opens the spool, recovers what a previous run left, and hands
// events from request threads to the spool and the delivery thread.
#include "proxy/activity/activity_service.hpp"

#include <unistd.h>

#include <exception>
#include <optional>
#include <utility>

#include "proxy/activity/delivery_loop.hpp"
#include "proxy/activity/seen_set.hpp"
#include "proxy/activity/spool.hpp"
#include "proxy/activity/spool_files.hpp"
#include "proxy/activity/spool_reader.hpp"
#include "proxy/observe/log.hpp"

namespace portico::activity {
namespace {

// Where delivery resumes: the persisted cursor, or the oldest segment when there is none
// (or it is unreadable, or names a segment this run never wrote: re-sending is safe,
// skipping is not).
SpoolPosition recover_cursor(const std::string& dir, std::uint64_t first_new_segment) {
  std::string error;
  std::optional<SpoolPosition> cursor = read_cursor(dir, error);
  if (!error.empty()) {
    observe::log(observe::LogLevel::warn,
                 "activity spool: cursor unreadable, delivering from the oldest segment",
                 {{"error", error}});
  }
  const std::vector<std::uint64_t> segments = list_segments(dir);
  const std::uint64_t oldest = segments.empty() ? first_new_segment : segments.front();
  if (!cursor || cursor->segment >= first_new_segment) return {oldest, 0};
  return *cursor;
}

// Segments below the cursor were delivered; a crash may have kept them from being deleted.
void remove_delivered(const std::string& dir, SpoolPosition cursor, ActivityCounters& counters) {
  for (std::uint64_t segment : list_segments(dir)) {
    if (segment >= cursor.segment) break;
    const std::string path = segment_path(dir, segment);
    const std::uint64_t size = file_size_or_zero(path);
    if (::unlink(path.c_str()) == 0) {
      const std::uint64_t bytes = counters.spool_bytes.load();
      counters.spool_bytes.store(bytes > size ? bytes - size : 0);
    }
  }
}

}  // namespace

std::unique_ptr<ActivityService> ActivityService::open(const config::ActivitySection& activity,
                                                       std::string signing_key,
                                                       std::string& error,
                                                       ActivityTuning tuning) {
  if (activity.spool_dir.empty()) {
    error = "[activity] spool_dir is empty";
    return nullptr;
  }
  DeliverySettings settings;
  if (!activity.webhook.empty()) {
    settings.webhook = parse_webhook_url(activity.webhook);
    if (!settings.webhook) {
      error = "[activity] webhook: expected http://host[:port]/path, got '" + activity.webhook +
              "'";
      return nullptr;
    }
  }
  settings.signing_key = std::move(signing_key);
  settings.batch_max_events = activity.batch_max_events == 0 ? 1 : activity.batch_max_events;
  settings.retry_initial = tuning.retry_initial;
  settings.retry_max_backoff = activity.retry_max_backoff;
  settings.fsync_interval = activity.fsync_interval;
  settings.timeouts = tuning.timeouts;

  std::unique_ptr<ActivityService> service(new ActivityService());
  service->spool_dir_ = activity.spool_dir;
  const SpoolLimits limits{activity.max_spool_bytes, tuning.segment_bytes};
  service->spool_ = ActivitySpool::open(activity.spool_dir, limits, service->counters_, error);
  if (!service->spool_) return nullptr;
  const std::uint64_t first_new = service->spool_->first_segment();
  const SpoolPosition cursor = recover_cursor(activity.spool_dir, first_new);
  remove_delivered(activity.spool_dir, cursor, service->counters_);
  SeenSet seen;
  if (!seen.open(activity.spool_dir + "/seen", error)) return nullptr;
  service->counters_.pending.store(
      SpoolReader(activity.spool_dir).count_lines(cursor, first_new));
  service->delivery_ = std::make_unique<DeliveryLoop>(*service->spool_, service->counters_,
                                                      std::move(settings), cursor, std::move(seen));
  return service;
}

ActivityService::~ActivityService() { stop(); }

bool ActivityService::submit(const Event& event) noexcept {
  try {
    std::string line;
    if (event.id.empty() || event.time.empty()) {
      Event stamped = event;
      stamp(stamped);
      line = to_json(stamped);
    } else {
      line = to_json(event);
    }
    line += '\n';
    if (!spool_->append(line)) return false;
  } catch (const std::exception&) {  // bad_alloc: the request goes on without its event
    counters_.dropped_write_error.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  delivery_->wake();
  return true;
}

void ActivityService::start() { delivery_->start(); }

void ActivityService::stop() {
  if (delivery_) delivery_->stop();
}

}  // namespace portico::activity
