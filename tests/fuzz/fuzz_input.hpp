// tests/fuzz/fuzz_input: takes control values off the front of a fuzz input (split points,
// limits), leaving the rest as the data under test. Deterministic for a given input, so a
// saved crash replays exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace portico::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  // One byte off the front (0 when the input is used up).
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    auto value = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }
  // Little-endian; the two reads are sequenced, so every compiler reads the same value.
  std::uint16_t u16() {
    std::uint16_t low = byte();
    std::uint16_t high = byte();
    return static_cast<std::uint16_t>(low | (high << 8));
  }

  // What is left: the data under test.
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Cuts `data` into pieces whose sizes come from `seed` (a small deterministic generator),
// so every target can feed its streaming code the same bytes split at varying places.
// Seed 0: one piece, all of `data`.
template <class Feed>
void for_each_piece(std::string_view data, std::uint32_t seed, Feed feed) {
  if (seed == 0) {
    if (!data.empty()) feed(data);
    return;
  }
  std::uint32_t state = seed | 1u;
  while (!data.empty()) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    std::size_t size = 1 + state % (seed % 64 + 1);
    if (size > data.size()) size = data.size();
    feed(data.substr(0, size));
    data.remove_prefix(size);
  }
}

}  // namespace portico::fuzz
