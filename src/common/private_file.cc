#include "subkeeper/common/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace subkeeper {
namespace {

constexpr mode_t kPrivateMode = S_IRUSR | S_IWUSR;

Status Failed(const std::string& what, const std::string& path, int err) {
  return Status::Unavailable("cannot " + what + " " + path + ": " + std::strerror(err));
}

bool WriteAll(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    content.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Status WritePrivateFile(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  // A leftover (a crash between create and rename) or something planted there: never reused.
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) return Failed("remove", tmp, errno);
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kPrivateMode);
  if (fd < 0) return Failed("create", tmp, errno);
  // The mode given to open() is only narrowed by the umask; fchmod makes it exact anyway.
  Status status = Status::OK();
  if (::fchmod(fd, kPrivateMode) != 0) {
    status = Failed("chmod", tmp, errno);
  } else if (!WriteAll(fd, content)) {
    status = Failed("write", tmp, errno != 0 ? errno : EIO);
  } else if (::fsync(fd) != 0) {
    status = Failed("sync", tmp, errno);
  }
  ::close(fd);
  if (status.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    status = Failed("rename to", path, errno);
  }
  if (!status.ok()) ::unlink(tmp.c_str());
  return status;
}

std::string ReadTrustedFile(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "";
  // Checked on the open descriptor: the file cannot be swapped between the check and the read.
  struct stat st {};
  const bool trusted = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
                       (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 &&
                       static_cast<uint64_t>(st.st_size) <= max_bytes;
  std::string text;
  if (trusted) {
    // One byte more than allowed: a file that grew after fstat is refused, not cut.
    text.resize(max_bytes + 1);
    size_t size = 0;
    while (size < text.size()) {
      const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      size += static_cast<size_t>(n);
    }
    text.resize(size <= max_bytes ? size : 0);
  }
  ::close(fd);
  return text;
}

}  // namespace subkeeper
