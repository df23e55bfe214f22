// Reading a file the config names: regular files only, never blocking, never more than a cap.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <streambuf>

#include "subkeeper/config/limits.h"

namespace subkeeper::config {
namespace {

// Closes the descriptor it holds.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

Status TooLarge(size_t max_bytes) {
  return Status::InvalidArgument("is larger than " + DescribeBytes(max_bytes));
}

// Opens `path` without blocking (a FIFO without a writer would block a plain open) and checks
// the opened descriptor, not the path, so that nothing can be swapped in between.
Result<int> OpenRegular(const std::string& path, size_t max_bytes) {
  Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return Status::NotFound(std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::Unavailable(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(std::string("is not a regular file (") + KindOf(st.st_mode) +
                                   ")");
  }
  if (st.st_size < 0 || static_cast<unsigned long long>(st.st_size) > max_bytes) {
    return TooLarge(max_bytes);
  }
  return fd.release();
}

// read(2) that retries on EINTR; -1 on error.
ssize_t ReadSome(int fd, char* buffer, size_t size) {
  for (;;) {
    const ssize_t n = read(fd, buffer, size);
    if (n >= 0 || errno != EINTR) return n;
  }
}

// A read-only stream buffer over a descriptor it owns that refuses to deliver more than
// `max_bytes`: past that, underflow throws, which std::istream turns into badbit.
class BoundedFdBuf : public std::streambuf {
 public:
  BoundedFdBuf(int fd, size_t max_bytes) : fd_(fd), left_(max_bytes) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const ssize_t n = ReadSome(fd_.get(), buffer_.data(), buffer_.size());
    if (n < 0) throw std::ios_base::failure("read error");
    if (n == 0) return traits_type::eof();
    if (static_cast<size_t>(n) > left_) throw std::ios_base::failure("file grew past its limit");
    left_ -= static_cast<size_t>(n);
    setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  Fd fd_;
  size_t left_;
  std::array<char, 64 * 1024> buffer_{};
};

// An istream that owns its buffer.
class BoundedFileStream : public std::istream {
 public:
  BoundedFileStream(int fd, size_t max_bytes) : std::istream(nullptr), buf_(fd, max_bytes) {
    rdbuf(&buf_);
  }

 private:
  BoundedFdBuf buf_;
};

}  // namespace

std::string DescribeBytes(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  if (bytes >= (size_t{1} << 10) && bytes % (size_t{1} << 10) == 0) {
    return std::to_string(bytes >> 10) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

Result<std::string> ReadBoundedFile(const std::string& path, size_t max_bytes) {
  Result<int> opened = OpenRegular(path, max_bytes);
  if (!opened.ok()) return opened.status();
  Fd fd(opened.value());
  std::string content;
  // One byte beyond the cap tells a file that grew since fstat from one exactly at the cap.
  const size_t want = max_bytes + 1;
  std::array<char, 64 * 1024> buffer{};
  while (content.size() < want) {
    const size_t chunk = std::min(buffer.size(), want - content.size());
    const ssize_t n = ReadSome(fd.get(), buffer.data(), chunk);
    if (n < 0) return Status::Unavailable(std::string("read error: ") + std::strerror(errno));
    if (n == 0) break;
    content.append(buffer.data(), static_cast<size_t>(n));
  }
  if (content.size() > max_bytes) return TooLarge(max_bytes);
  return content;
}

Result<std::unique_ptr<std::istream>> OpenBoundedFile(const std::string& path, size_t max_bytes) {
  Result<int> opened = OpenRegular(path, max_bytes);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<std::istream>(
      std::make_unique<BoundedFileStream>(opened.value(), max_bytes));
}

}  // namespace subkeeper::config
