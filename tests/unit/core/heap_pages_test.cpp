// core/heap_pages: a thread that asks for small pages gets its heap mapping marked so
// (VmFlags "nh" in /proc/self/smaps), and only its own.
#include "proxy/core/heap_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace portico::core {
namespace {

// The VmFlags line of the mapping that holds `address`.
std::string vm_flags_of(const void* address) {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t begin = 0;
    std::uintptr_t end = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> begin >> dash >> end && dash == '-' && line.find(' ') != std::string::npos &&
        line.find(':') > line.find(' ')) {
      inside = begin <= at && at < end;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return {};
}

bool has_flag(const std::string& flags, const std::string& flag) {
  return (flags + " ").find(" " + flag + " ") != std::string::npos;
}

// A small block, as per-connection state is. (Under ASan, the sanitizer's allocator keeps
// each size class in a mapping of its own, so only blocks of the probe's size are sure to
// share it; with glibc's malloc the whole arena is one mapping, checked with a bigger block.)
TEST(HeapPages, AThreadsHeapIsMarkedForSmallPages) {
  std::string small_block;
  std::string bigger_block;
  std::thread worker([&] {
    use_small_pages_for_this_threads_heap();
    void* small = std::malloc(64);
    void* bigger = std::malloc(4096);
    small_block = vm_flags_of(small);
    bigger_block = vm_flags_of(bigger);
    std::free(small);
    std::free(bigger);
  });
  worker.join();
  ASSERT_FALSE(small_block.empty());
  EXPECT_TRUE(has_flag(small_block, "nh")) << small_block;  // VM_NOHUGEPAGE
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  EXPECT_TRUE(has_flag(bigger_block, "nh")) << bigger_block;
#endif
}

}  // namespace
}  // namespace portico::core
