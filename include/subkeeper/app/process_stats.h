// The standard process metrics (process_cpu_seconds_total, process_resident_memory_bytes, …), read
// from /proc as the Prometheus client libraries do. prometheus-cpp 1.0 (Debian's
// prometheus-cpp-dev) has no process collector, so subkeeper reads them itself. Linux only.
#pragma once

#include <optional>
#include <string_view>

namespace subkeeper::app {

// A value is -1 when it could not be read.
struct ProcessStats {
  double cpu_seconds = -1;         // user + system CPU time
  double resident_bytes = -1;      // resident set size
  double virtual_bytes = -1;       // virtual memory size
  double start_time_seconds = -1;  // process start, Unix seconds
  double open_fds = -1;            // open file descriptors
  double max_fds = -1;             // the soft limit on open file descriptors
};

// Parses the text of /proc/<pid>/stat, /proc/stat (for btime) and /proc/<pid>/limits, with the
// clock ticks per second and page size of the machine. open_fds is left at -1 (it is a directory
// count, see ReadProcessStats). Fields that do not parse stay -1. Pure.
ProcessStats ParseProcessStats(std::string_view pid_stat, std::string_view proc_stat,
                               std::string_view limits, long ticks_per_second, long page_size);

// The stats of this process, from /proc/self. Thread-safe; a few small file reads.
ProcessStats ReadProcessStats();

}  // namespace subkeeper::app
