// demo_app/events: the webhook receiver's memory: the last 1000 events and the last 1000
// batches (with their X-Portal-Signature). Thread-safe behind one mutex; no I/O.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace portico::demo {

struct EventBatchRecord {
  std::uint64_t sequence = 0;  // 1 for the first batch ever received
  std::string signature;       // X-Portal-Signature as received, empty when absent
  std::size_t events = 0;
};

struct EventsView {
  std::uint64_t batches = 0;       // all batches ever stored
  std::uint64_t events_total = 0;  // all events ever stored (duplicates included)
  std::vector<boost::json::object> events;        // newest first, at most kMaxEvents
  std::vector<EventBatchRecord> recent_batches;   // newest first, at most kMaxBatches
};

class EventStore {
 public:
  static constexpr std::size_t kMaxEvents = 1000;
  static constexpr std::size_t kMaxBatches = 1000;

  // A webhook body is acceptable when it is a JSON array whose elements are all objects.
  static bool is_valid_batch(const boost::json::value& body);

  // Stores a batch; returns false and stores nothing unless is_valid_batch(body).
  // Events are kept as received: the receiver does not de-duplicate (ids let readers do it).
  bool add_batch(const boost::json::value& body, std::string_view signature);

  EventsView view() const;

 private:
  mutable std::mutex mutex_;
  std::deque<boost::json::object> events_;  // oldest first
  std::deque<EventBatchRecord> batches_;    // oldest first
  std::uint64_t batch_count_ = 0;
  std::uint64_t event_count_ = 0;
};

}  // namespace portico::demo
