#include "subkeeper/app/process_stats.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace subkeeper::app {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t at = 0;
  while (at < text.size()) {
    const size_t start = text.find_first_not_of(" \t\n", at);
    if (start == std::string_view::npos) break;
    size_t end = text.find_first_of(" \t\n", start);
    if (end == std::string_view::npos) end = text.size();
    words.push_back(text.substr(start, end - start));
    at = end;
  }
  return words;
}

double Number(std::string_view word) {
  double value = 0;
  auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  return error == std::errc() && end == word.data() + word.size() ? value : -1;
}

// The text after `key` at the start of a line, up to the end of that line.
std::string_view LineAfter(std::string_view text, std::string_view key) {
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    if (line.starts_with(key)) return line.substr(key.size());
    at = end + 1;
  }
  return {};
}

}  // namespace

ProcessStats ParseProcessStats(std::string_view pid_stat, std::string_view proc_stat,
                               std::string_view limits, long ticks_per_second, long page_size) {
  ProcessStats stats;
  // proc(5): the command name (field 2) is in parentheses and may hold spaces and ')'; the
  // fields after the last ')' start with field 3 (state).
  const size_t paren = pid_stat.rfind(')');
  if (paren != std::string_view::npos && ticks_per_second > 0) {
    const auto fields = Words(pid_stat.substr(paren + 1));
    auto field = [&](size_t number) {
      return number - 3 < fields.size() ? Number(fields[number - 3]) : -1;
    };
    const double utime = field(14), stime = field(15);
    if (utime >= 0 && stime >= 0) stats.cpu_seconds = (utime + stime) / ticks_per_second;
    if (const double vsize = field(23); vsize >= 0) stats.virtual_bytes = vsize;
    if (const double rss = field(24); rss >= 0 && page_size > 0)
      stats.resident_bytes = rss * page_size;
    const auto btime = Words(LineAfter(proc_stat, "btime "));
    const double boot = btime.empty() ? -1 : Number(btime[0]);
    if (const double start = field(22); start >= 0 && boot >= 0)
      stats.start_time_seconds = boot + start / ticks_per_second;
  }
  // "Max open files            1024                 1048576              files"
  const auto open_files = Words(LineAfter(limits, "Max open files"));
  if (!open_files.empty()) {
    stats.max_fds = open_files[0] == "unlimited" ? -1 : Number(open_files[0]);
  }
  return stats;
}

ProcessStats ReadProcessStats() {
  ProcessStats stats =
      ParseProcessStats(ReadFile("/proc/self/stat"), ReadFile("/proc/stat"),
                        ReadFile("/proc/self/limits"), sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
  std::error_code error;
  double fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++fds;
  }
  // The count includes the descriptor the directory walk itself held open.
  if (!error) stats.open_fds = fds > 0 ? fds - 1 : 0;
  return stats;
}

}  // namespace subkeeper::app
