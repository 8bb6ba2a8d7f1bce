// http/parked_set: slots in chunks, a free list, and the deadline-ordered list.
#include "proxy/http/parked_set.hpp"

#include <sys/mman.h>

#include <new>
#include <type_traits>

namespace portico::http {

static_assert(std::is_trivially_destructible_v<ParkedConnection>);

ParkedSet::~ParkedSet() {
  for (Slot* chunk : chunks_) ::munmap(chunk, sizeof(Slot) * chunk_slots);
}

std::optional<ParkedSet::Key> ParkedSet::add(const ParkedConnection& connection) {
  const std::uint32_t index = allocate();
  if (index == none) return std::nullopt;  // out of memory
  Slot& filed = slot(index);
  filed.connection = connection;
  filed.parked = true;
  // After the last record whose deadline is not later: equal deadlines keep parking order.
  std::uint32_t before = tail_;
  while (before != none && slot(before).connection.deadline > connection.deadline) before = slot(before).prev;
  filed.prev = before;
  filed.next = before == none ? head_ : slot(before).next;
  if (filed.prev == none) {
    head_ = index;
  } else {
    slot(filed.prev).next = index;
  }
  if (filed.next == none) {
    tail_ = index;
  } else {
    slot(filed.next).prev = index;
  }
  ++size_;
  return (Key{filed.generation} << 32) | index;
}

std::optional<ParkedConnection> ParkedSet::take(Key key) {
  const auto index = static_cast<std::uint32_t>(key);
  const auto generation = static_cast<std::uint32_t>(key >> 32);
  if (index / chunk_slots >= chunks_.size()) return std::nullopt;
  const Slot& found = slot(index);
  if (!found.parked || found.generation != generation) return std::nullopt;
  return remove(index);
}

std::optional<ParkedConnection> ParkedSet::take_expired(std::chrono::steady_clock::time_point now) {
  if (head_ == none || slot(head_).connection.deadline > now) return std::nullopt;
  return remove(head_);
}

std::optional<ParkedConnection> ParkedSet::take_any() {
  if (head_ == none) return std::nullopt;
  return remove(head_);
}

std::uint32_t ParkedSet::allocate() {
  if (free_ != none) {
    const std::uint32_t index = free_;
    free_ = slot(index).next;
    return index;
  }
  if (used_ == chunks_.size() * chunk_slots) {
    void* chunk = ::mmap(nullptr, sizeof(Slot) * chunk_slots, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (chunk == MAP_FAILED) return none;
    chunks_.push_back(static_cast<Slot*>(chunk));
  }
  const std::uint32_t index = used_++;
  new (&slot(index)) Slot{};  // touched only now
  return index;
}

ParkedConnection ParkedSet::remove(std::uint32_t index) {
  Slot& gone = slot(index);
  if (gone.prev == none) {
    head_ = gone.next;
  } else {
    slot(gone.prev).next = gone.next;
  }
  if (gone.next == none) {
    tail_ = gone.prev;
  } else {
    slot(gone.next).prev = gone.prev;
  }
  ParkedConnection connection = gone.connection;
  gone.parked = false;
  ++gone.generation;
  gone.prev = none;
  gone.next = free_;
  free_ = index;
  --size_;
  return connection;
}

}  // namespace portico::http
