// core/heap_pages: which heap memory gets transparent huge pages. main.cpp starts Portico
// with glibc's malloc asking for them everywhere (snapshot builds fault in far less); a
// worker then takes its own heap back to 4 KiB pages, so per-connection state costs what
// it uses: with huge pages, RSS grew 2 MiB at a time as idle connections were opened.
#pragma once

namespace portico::core {

// Marks the heap (glibc arena) this thread allocates from as not to be backed by huge pages
// (madvise MADV_NOHUGEPAGE on the mapping that holds a small block it allocates: with glibc's
// malloc, the whole arena). A hint: does nothing when the mapping cannot be found, or when
// the kernel refuses. Call first thing on a worker thread.
void use_small_pages_for_this_threads_heap() noexcept;

}  // namespace portico::core
