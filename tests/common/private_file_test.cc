#include "subkeeper/common/private_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "store/temp_dir.h"

namespace subkeeper {
namespace {

using store::testing::TempDir;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Restores the process umask when the test ends, whatever it asserted.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST_CASE("WritePrivateFile writes 0600 files whatever the umask", "[common]") {
  TempDir dir;
  ScopedUmask umask_guard(0);
  const std::string path = dir.File("subkeeper.db.admin");
  REQUIRE(WritePrivateFile(path, "http://127.0.0.1:9090\n").ok());
  CHECK(ModeOf(path) == 0600);
  CHECK(Read(path) == "http://127.0.0.1:9090\n");
  CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);  // renamed away

  // Replacing a file someone made world-readable: the new one is 0600 again.
  REQUIRE(::chmod(path.c_str(), 0666) == 0);
  REQUIRE(WritePrivateFile(path, "second\n").ok());
  CHECK(ModeOf(path) == 0600);
  CHECK(Read(path) == "second\n");
}

TEST_CASE("WritePrivateFile never reuses a leftover or planted .tmp file", "[common]") {
  TempDir dir;
  ScopedUmask umask_guard(0);
  const std::string path = dir.File("ports.json");
  // A world-writable leftover keeps neither its mode nor its inode.
  { std::ofstream(path + ".tmp") << "stale"; }
  REQUIRE(::chmod((path + ".tmp").c_str(), 0666) == 0);
  REQUIRE(WritePrivateFile(path, "{}\n").ok());
  CHECK(ModeOf(path) == 0600);
  CHECK(Read(path) == "{}\n");

  // A symlink planted at the .tmp name is not followed: its target stays untouched.
  const std::string target = dir.File("victim");
  { std::ofstream(target) << "victim"; }
  REQUIRE(::symlink(target.c_str(), (path + ".tmp").c_str()) == 0);
  REQUIRE(WritePrivateFile(path, "{\"admin\":1}\n").ok());
  CHECK(Read(target) == "victim");
  CHECK(Read(path) == "{\"admin\":1}\n");
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("WritePrivateFile reports a directory it cannot write", "[common]") {
  TempDir dir;
  Status status = WritePrivateFile(dir.File("missing/dir/file"), "x");
  CHECK(status.code() == StatusCode::kUnavailable);
  CHECK_THAT(status.message(), Catch::Contains("missing/dir/file.tmp"));
}

TEST_CASE("ReadTrustedFile reads only our own, non-shared, small regular files", "[common]") {
  TempDir dir;
  const std::string path = dir.File("keeper.run.json");
  const std::string content = "{\"admin\":4567}\nmore\n";
  REQUIRE(WritePrivateFile(path, content).ok());
  CHECK(ReadTrustedFile(path, 4096) == content);
  REQUIRE(::chmod(path.c_str(), 0620) == 0);  // writable by the group
  CHECK(ReadTrustedFile(path, 4096).empty());
  REQUIRE(::chmod(path.c_str(), 0602) == 0);  // writable by others
  CHECK(ReadTrustedFile(path, 4096).empty());
  REQUIRE(::chmod(path.c_str(), 0644) == 0);  // readable by others is not a redirect risk
  CHECK(ReadTrustedFile(path, 4096) == content);
  // Larger than allowed: refused whole, never cut.
  CHECK(ReadTrustedFile(path, content.size() - 1).empty());
  CHECK(ReadTrustedFile(path, content.size()) == content);
  // A symlink to our own file is not followed.
  const std::string link = dir.File("link.json");
  REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
  CHECK(ReadTrustedFile(link, 4096).empty());
  CHECK(ReadTrustedFile(dir.File("absent"), 4096).empty());
  // Files that are not files: a directory and a FIFO (which must not block the reader).
  CHECK(ReadTrustedFile(dir.path(), 4096).empty());
  const std::string fifo = dir.File("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(ReadTrustedFile(fifo, 4096).empty());
}

}  // namespace
}  // namespace subkeeper
