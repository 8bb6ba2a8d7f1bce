// http/request_id: unique request ids for one worker, without locks or syscalls per id.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace portico::http {

// 32 hex digits: 64 random bits chosen when the worker starts (distinct across workers
// and restarts) followed by a per-worker counter.
class RequestIdGenerator {
 public:
  RequestIdGenerator() {
    std::random_device device;
    prefix_ = (std::uint64_t{device()} << 32) ^ device();
  }

  std::string next() {
    std::string id(32, '0');
    write_hex(prefix_, id.data());
    write_hex(++counter_, id.data() + 16);
    return id;
  }

 private:
  static void write_hex(std::uint64_t value, char* out) {
    constexpr char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
      out[i] = digits[value & 0xf];
      value >>= 4;
    }
  }

  std::uint64_t prefix_ = 0;
  std::uint64_t counter_ = 0;
};

}  // namespace portico::http
