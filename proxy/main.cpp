// main: argv -> load config -> compile -> Server -> run; nothing else.
#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "proxy/app/server.hpp"
#include "proxy/config/snapshot.hpp"
#include "proxy/observe/log.hpp"

namespace {

int usage() {
  std::cerr << "usage: portico --config FILE       run\n"
               "       portico --check --config FILE  validate the config, print every problem\n"
               "       portico --version\n";
  return 2;
}

// A reload builds a whole new snapshot (about 190 MB with 100,000 tenants) while the old one
// still serves, then frees the old one. glibc would hand freed memory at the top of the heap
// back to the kernel and serve big blocks with fresh mappings, so each reload would fault its
// memory in again page by page: a fifth of a reload's CPU in the kit. Keeping it makes a
// steady-state reload reuse the memory the last-but-one snapshot freed (docs/decisions.md).
void keep_freed_memory_for_reloads() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);   // blocks under 32 MiB come from the heap (the maximum)
  mallopt(M_TRIM_THRESHOLD, 512 << 20);  // return freed memory only above 512 MiB
  mallopt(M_TOP_PAD, 64 << 20);          // grow the heap 64 MiB at a time (address space only)
}

// Transparent huge pages for the heap. A reload builds its snapshot in fresh memory, and on
// a VM a 4 KiB page fault is expensive: with 100,000 tenants, faults were about half of a
// reload's CPU. glibc's malloc asks the kernel for huge pages (madvise) when its tunable
// glibc.malloc.hugetlb=1 is set, and tunables are read only when a process starts, so
// Portico starts itself again, once, with it set: same pid, same arguments. An operator who
// sets glibc.malloc.hugetlb (to 0, say) is obeyed; if the restart fails, Portico runs on
// without it (docs/decisions.md).
void restart_with_huge_pages(char** argv) {
  const char* set = std::getenv("GLIBC_TUNABLES");
  const std::string tunables = set != nullptr ? set : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos) return;
  const std::string wanted = (tunables.empty() ? "" : tunables + ":") + "glibc.malloc.hugetlb=1";
  if (::setenv("GLIBC_TUNABLES", wanted.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Still here: the restart failed. Leave the environment as it was.
  if (set != nullptr) ::setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  else ::unsetenv("GLIBC_TUNABLES");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace portico;
  std::string config_path;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::cout << "portico " << PORTICO_VERSION << "\n";
      return 0;
    }
    if (std::strcmp(argv[i], "--check") == 0) {
      check = true;
    } else if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else {
      return usage();
    }
  }
  if (config_path.empty()) return usage();

  if (!check) {
    restart_with_huge_pages(argv);
    keep_freed_memory_for_reloads();
  }
  config::CompileResult result = config::build_snapshot(config_path, 1);
  if (check || !result.ok()) {
    for (const auto& problem : result.problems) std::cerr << config::format_problem(problem) << "\n";
  } else {
    app::log_config_problems(result.problems);
  }
  if (!result.ok()) {
    if (!check) std::cerr << "portico: the config has errors; not starting\n";
    return 1;
  }
  if (check) {
    std::cout << config_path << ": ok (" << result.snapshot->hosts.tenants().size() << " tenants)\n";
    return 0;
  }
  observe::set_log_level(result.snapshot->config.log.level);
  // A closed stdout (access log to a pipe whose reader left) must not kill the proxy.
  std::signal(SIGPIPE, SIG_IGN);
  app::Server server(config_path, std::move(result.snapshot));
  if (!server.start()) return 1;
  return server.run();
}
