// bench/tools/load/process_cpu: the CPU time a process has used so far (user + system, all
// its threads), from /proc/<pid>/stat. The kit reports each proxy's requests per second of
// its own CPU time over exactly the window the tool measures.
#pragma once

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace portico::bench {

// Seconds of CPU time, or a negative number if the process cannot be read.
inline double process_cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {  // field 3 is the state
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return -1;
}

}  // namespace portico::bench
