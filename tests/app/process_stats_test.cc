#include "subkeeper/app/process_stats.h"

#include <unistd.h>

#include <catch2/catch.hpp>

namespace subkeeper::app {
namespace {

// proc(5) text of a process whose command name holds a space and a ')'. Field 14/15 (utime,
// stime) 250 + 150 ticks, 22 (starttime) 12000 ticks, 23 (vsize) 104857600, 24 (rss) 2560 pages.
constexpr char kPidStat[] =
    "4242 (sub keeper) x) S 1 4242 4242 0 -1 4194560 1500 0 0 0 250 150 0 0 20 0 9 0 12000 "
    "104857600 2560 18446744073709551615 1 1 0 0 0 0 0 4096 17931 0 0 0 17 1 0 0 0 0 0\n";
constexpr char kProcStat[] =
    "cpu  10 0 10 1000 0 0 0 0 0 0\n"
    "intr 12345\n"
    "ctxt 99\n"
    "btime 1765000000\n"
    "processes 4000\n";
constexpr char kLimits[] =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max cpu time              unlimited            unlimited            seconds   \n"
    "Max open files            1024                 1048576              files     \n"
    "Max locked memory         8388608              8388608              bytes     \n";

TEST_CASE("Process stats parse from /proc text", "[metrics][process]") {
  const ProcessStats s = ParseProcessStats(kPidStat, kProcStat, kLimits, 100, 4096);
  CHECK(s.cpu_seconds == Approx(4.0));
  CHECK(s.virtual_bytes == 104857600);
  CHECK(s.resident_bytes == 2560.0 * 4096);
  CHECK(s.start_time_seconds == Approx(1765000000.0 + 120.0));
  CHECK(s.max_fds == 1024);
  CHECK(s.open_fds == -1);  // not a parse: ReadProcessStats counts /proc/self/fd
}

TEST_CASE("Process stats leave out what does not parse", "[metrics][process]") {
  const ProcessStats s = ParseProcessStats("garbage", "", "", 100, 4096);
  CHECK(s.cpu_seconds == -1);
  CHECK(s.resident_bytes == -1);
  CHECK(s.start_time_seconds == -1);
  CHECK(s.max_fds == -1);
  // A stat line cut short keeps what it has.
  const ProcessStats cut =
      ParseProcessStats("1 (x) S 1 1 1 0 -1 0 0 0 0 0 7 3", kProcStat, kLimits, 10, 4096);
  CHECK(cut.cpu_seconds == Approx(1.0));
  CHECK(cut.virtual_bytes == -1);
}

TEST_CASE("This process's stats are read from /proc/self", "[metrics][process]") {
  const ProcessStats s = ReadProcessStats();
  CHECK(s.cpu_seconds >= 0);
  CHECK(s.resident_bytes > 0);
  CHECK(s.virtual_bytes >= s.resident_bytes);
  CHECK(s.open_fds >= 1);  // stderr at least
  CHECK(s.max_fds >= s.open_fds);
  CHECK(s.start_time_seconds > 1.6e9);
}

}  // namespace
}  // namespace subkeeper::app
