// http/parked_set: the idle keep-alive connections a worker has parked: one small record
// each, in one list ordered by idle deadline. Pure bookkeeping: no I/O, no syscalls, no
// locks (one worker thread); the parking lot (parking_lot.hpp) does the I/O around it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
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
  ~ParkedSet();
  ParkedSet(const ParkedSet&) = delete;
  ParkedSet& operator=(const ParkedSet&) = delete;

  // Files the record in deadline order. Deadlines come in increasing order unless a reload
  // shortened the idle timeout, so the insertion walks back from the tail a step or two.
  // nullopt when no memory could be had for it.
  std::optional<Key> add(const ParkedConnection& connection);
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
  // Slots ever used, parked or free: the memory the records touched (kept for reuse).
  std::size_t slots_used() const noexcept { return used_; }

 private:
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  // 4096 slots (224 KiB of address space) per chunk, mapped from the kernel, not the heap:
  // untouched slots cost no memory, and records filed among the short-lived allocations of
  // the requests around them would pin heap pages (measured: a few hundred bytes per idle
  // connection when 128 connections opened at once).
  static constexpr std::uint32_t chunk_slots = 4096;
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

  std::vector<Slot*> chunks_;
  std::uint32_t used_ = 0;  // slots handed out at least once: a fresh one is taken before the free list grows
  std::uint32_t free_ = none;
  std::uint32_t head_ = none;
  std::uint32_t tail_ = none;
  std::size_t size_ = 0;
};

}  // namespace portico::http
