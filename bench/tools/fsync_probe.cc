// The disk's flush ceiling: a loop of one pwrite + fdatasync at a fixed offset, like
// pg_test_fsync's "one write + fdatasync". Durable-ingest numbers are read against it.
// Usage: bench_fsync DIR SECONDS [BLOCK_BYTES]. Prints one JSON object.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_fsync DIR SECONDS [BLOCK_BYTES]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/fsync_probe.dat";
  const double seconds = std::atof(argv[2]);
  const size_t block = argc > 3 ? static_cast<size_t>(std::atol(argv[3])) : 8192;
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  if (fd < 0) {
    std::perror("open");
    return 1;
  }
  std::vector<char> buf(block, 'x');
  // Allocate the block once so the loop measures overwrite + flush, not file growth.
  if (::pwrite(fd, buf.data(), block, 0) != static_cast<ssize_t>(block) || ::fsync(fd) != 0) {
    std::perror("prepare");
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  std::vector<double> us;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  auto now = start;
  while (now < end) {
    const auto t0 = Clock::now();
    if (::pwrite(fd, buf.data(), block, 0) != static_cast<ssize_t>(block) || ::fdatasync(fd) != 0) {
      std::perror("pwrite/fdatasync");
      return 1;
    }
    now = Clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(now - t0).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  const double elapsed = std::chrono::duration<double>(now - start).count();
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) {
    return us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))];
  };
  std::printf(
      "{\"ops\": %zu, \"seconds\": %.3f, \"ops_per_s\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, "
      "\"block\": %zu}\n",
      us.size(), elapsed, static_cast<double>(us.size()) / elapsed, pct(0.5), pct(0.99), block);
  return 0;
}
