// main: argv -> load config -> compile -> Server -> run; nothing else.
#include <malloc.h>

#include <csignal>
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

  if (!check) keep_freed_memory_for_reloads();
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
