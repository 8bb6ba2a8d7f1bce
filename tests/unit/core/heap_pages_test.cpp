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

TEST(HeapPages, AThreadsHeapIsMarkedForSmallPages) {
  std::string marked;
  std::thread worker([&] {
    use_small_pages_for_this_threads_heap();
    void* block = std::malloc(256);
    marked = vm_flags_of(block);
    std::free(block);
  });
  worker.join();
  ASSERT_FALSE(marked.empty());
  EXPECT_TRUE(has_flag(marked, "nh")) << marked;  // VM_NOHUGEPAGE
}

}  // namespace
}  // namespace portico::core
