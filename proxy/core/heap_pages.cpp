// core/heap_pages: a thread's heap back to small pages (see heap_pages.hpp).
#include "proxy/core/heap_pages.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace portico::core {

// The mapping holding a block this thread just allocated is its arena's heap; glibc maps a
// thread's heap in one piece (its reserved, not yet usable, tail follows as a PROT_NONE
// mapping, which is marked too so that the heap keeps small pages as it grows).
void use_small_pages_for_this_threads_heap() noexcept {
  void* probe = std::malloc(64);
  if (probe == nullptr) return;
  const auto address = reinterpret_cast<std::uintptr_t>(probe);
  std::free(probe);
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return;
  unsigned long begin = 0;
  unsigned long end = 0;
  char permissions[5] = {};
  std::uintptr_t low = 0;
  std::uintptr_t high = 0;
  while (std::fscanf(maps, "%lx-%lx %4s %*[^\n]", &begin, &end, permissions) == 3) {
    if (high == 0) {
      if (begin <= address && address < end) {
        low = begin;
        high = end;
      }
    } else if (begin == high && permissions[0] == '-' && permissions[1] == '-') {
      high = end;  // the reserved tail
      break;
    } else {
      break;
    }
  }
  std::fclose(maps);
  if (high != 0) ::madvise(reinterpret_cast<void*>(low), high - low, MADV_NOHUGEPAGE);
}

}  // namespace portico::core
