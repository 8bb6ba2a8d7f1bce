// tests/fuzz/fuzz_check: the assertion of the fuzz targets. A broken invariant prints what
// broke and aborts, which libFuzzer reports as a crash (and saves the input) and the replay
// test reports as a failure. Always on: never compiled out with NDEBUG.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)
