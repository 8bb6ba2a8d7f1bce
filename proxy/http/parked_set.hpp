// http/parked_set: the idle keep-alive connections a worker has parked: one small record
// each, in one list ordered by idle deadline. Pure bookkeeping: no I/O, no syscalls, no
// locks (one worker thread); the parking lot (parking_lot.hpp) does the I/O around it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace portico::http {

// What a parked connection keeps: its socket, when it idles out, and what the session
// needs again when the client sends its next request. 48 bytes.
struct ParkedConnection {
  int fd = -1;
  std::uint16_t local_port = 0;
  std::uint16_t https_port = 0;
  bool address_v4 = false;  // also the socket's family (a v4-mapped peer is v6)
  std::array<unsigned char, 16> address{};  // network order; the first 4 bytes for v4
  std::chrono::steady_clock::time_point deadline{};
};

class ParkedSet {
 public:
  // Names a record while it is parked; a key kept past take() never finds a later record
  // in the same slot (the slot's generation is part of the key). It fits epoll_event.data.
  using Key = std::uint64_t;

  ParkedSet() = default;
  ParkedSet(const ParkedSet&) = delete;
  ParkedSet& operator=(const ParkedSet&) = delete;

  // Files the record in deadline order. Deadlines come in increasing order unless a reload
  // shortened the idle timeout, so the insertion walks back from the tail a step or two.
  Key add(const ParkedConnection& connection);
  // The record under `key`, removed; nullopt when it is no longer parked.
  std::optional<ParkedConnection> take(Key key);
  // Removes and returns the first record if its deadline is at or before `now`.
  std::optional<ParkedConnection> take_expired(std::chrono::steady_clock::time_point now);
  // Removes and returns any record (the first), nullopt when empty.
  std::optional<ParkedConnection> take_any();

  bool empty() const noexcept { return head_ == none; }
  std::size_t size() const noexcept { return size_; }
  // The earliest deadline; only when not empty.
  std::chrono::steady_clock::time_point first_deadline() const noexcept { return slot(head_).connection.deadline; }
  // Memory held for records, parked or free (slots are allocated in chunks, kept for reuse).
  std::size_t capacity() const noexcept { return chunks_.size() * chunk_slots; }

 private:
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  static constexpr std::uint32_t chunk_slots = 512;
  struct Slot {
    ParkedConnection connection;
    std::uint32_t prev = none;
    std::uint32_t next = none;  // also the free list's link
    std::uint32_t generation = 0;
    bool parked = false;
  };

  Slot& slot(std::uint32_t index) noexcept { return chunks_[index / chunk_slots][index % chunk_slots]; }
  const Slot& slot(std::uint32_t index) const noexcept { return chunks_[index / chunk_slots][index % chunk_slots]; }
  std::uint32_t allocate();
  ParkedConnection remove(std::uint32_t index);

  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::uint32_t free_ = none;
  std::uint32_t head_ = none;
  std::uint32_t tail_ = none;
  std::size_t size_ = 0;
};

}  // namespace portico::http
