// demo_app/events: bounded in-memory store of received activity events.
// The mutex is held only to copy in or out; rendering happens outside it.
#include "tests/demo_app/events.hpp"

#include <boost/json/array.hpp>

namespace portico::demo {

bool EventStore::is_valid_batch(const boost::json::value& body) {
  const auto* array = body.if_array();
  if (array == nullptr) return false;
  for (const auto& element : *array) {
    if (!element.is_object()) return false;
  }
  return true;
}

bool EventStore::add_batch(const boost::json::value& body, std::string_view signature) {
  if (!is_valid_batch(body)) return false;
  const auto& array = body.get_array();
  std::lock_guard lock(mutex_);
  for (const auto& element : array) {
    events_.push_back(element.get_object());
    if (events_.size() > kMaxEvents) events_.pop_front();
  }
  event_count_ += array.size();
  batches_.push_back(EventBatchRecord{++batch_count_, std::string(signature), array.size()});
  if (batches_.size() > kMaxBatches) batches_.pop_front();
  return true;
}

EventsView EventStore::view() const {
  EventsView view;
  std::lock_guard lock(mutex_);
  view.batches = batch_count_;
  view.events_total = event_count_;
  view.events.assign(events_.rbegin(), events_.rend());
  view.recent_batches.assign(batches_.rbegin(), batches_.rend());
  return view;
}

}  // namespace portico::demo
