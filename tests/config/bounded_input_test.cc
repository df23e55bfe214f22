// Bounded config input (limits.h): nesting, YAML aliases, and the files a config names (regular
// files only, within a size cap, never blocking). Each case once crashed, hung or exhausted the
// loader.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "config/test_util.h"
#include "subkeeper/app/server_options.h"
#include "subkeeper/config/limits.h"
#include "subkeeper/config/loader.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::config {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Doc;
using testing::ErrorOf;

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sk-bounded-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = *this / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
    return path;
  }
  std::string Fifo(const std::string& name) const {
    const std::string path = *this / name;
    REQUIRE(mkfifo(path.c_str(), 0600) == 0);
    return path;
  }

 private:
  fs::path path_;
};

// Runs `load` on a thread and waits at most 10 s for it. Should the load block on `fifo` (the
// regression this guards against), a writer is opened and closed to release it, so that the
// suite still ends; the test then fails.
template <typename F>
auto WithinDeadline(const std::string& fifo, F load) -> decltype(load()) {
  std::packaged_task<decltype(load())()> task(std::move(load));
  auto result = task.get_future();
  std::thread thread(std::move(task));
  const bool in_time = result.wait_for(10s) == std::future_status::ready;
  if (!in_time) {
    const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) close(fd);
  }
  thread.join();
  REQUIRE(in_time);
  return result.get();
}

std::string DeepJson(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_CASE("JSON nested deeper than 64 levels is refused before it is parsed", "[config]") {
  // Tens of thousands of levels crashed `check` with SIGSEGV.
  const std::string error = ErrorOf(std::string(100000, '['), {}, /*json=*/true);
  CHECK(error == "test.json:1: nesting is deeper than 64 levels (at byte 65)");
  std::string deep_objects = "{";
  for (int i = 0; i < 20000; ++i) deep_objects += "\n\"a\": {";
  CHECK_THAT(ErrorOf(deep_objects, {}, true),
             Catch::StartsWith("test.json:65: nesting is deeper than 64 levels"));
  // Exactly 64 passes the depth check (the schema then has its say); 65 does not.
  CHECK_THAT(ErrorOf(DeepJson(64), {}, true), !Catch::Contains("nesting"));
  CHECK_THAT(ErrorOf(DeepJson(65), {}, true), Catch::Contains("nesting is deeper than 64"));
  // Brackets inside strings are text, not nesting.
  const std::string in_string = R"({"webhook_secret": ")" + std::string(1000, '[') + R"("})";
  CHECK_THAT(ErrorOf(in_string, {}, true), !Catch::Contains("nesting"));
  const std::string escaped = R"({"webhook_secret": "\\\")" + std::string(1000, '[') + R"("})";
  CHECK_THAT(ErrorOf(escaped, {}, true), !Catch::Contains("nesting"));
}

TEST_CASE("YAML nested deeper than 64 levels is refused, flow or block", "[config]") {
  CHECK(ErrorOf(std::string(100000, '[')) == "test.yaml:1: nesting is deeper than 64 levels");
  std::string flow_maps;
  for (int i = 0; i < 20000; ++i) flow_maps += "{a: ";
  CHECK(ErrorOf(flow_maps) == "test.yaml:1: nesting is deeper than 64 levels");
  std::string block;
  for (int i = 0; i < 200; ++i) block += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  CHECK(ErrorOf(block) == "test.yaml:65: nesting is deeper than 64 levels");
  std::string dashes;
  for (int i = 0; i < 5000; ++i) dashes += "- ";
  CHECK(ErrorOf(dashes + "x\n") == "test.yaml:1: nesting is deeper than 64 levels");
}

TEST_CASE("A YAML alias bomb is refused at the alias budget", "[config]") {
  // Billion laughs: 9^9 copies of "lol" from half a kilobyte.
  std::string bomb = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  const std::string error = ErrorOf(bomb);
  CHECK_THAT(error, Catch::Matches(R"(test\.yaml:[0-9]+: YAML aliases expand to more than )"
                                   R"(1000000 nodes or 16 MiB of text)"));
  // Few nodes, much text: the byte budget.
  std::string big = "a0: &a0 \"" + std::string(60000, 'x') + "\"\na1: &a1 [";
  for (int k = 0; k < 300; ++k) big += (k ? ", *a0" : "*a0");
  big += "]\n";
  CHECK_THAT(ErrorOf(big), Catch::Contains("YAML aliases expand to more than"));
}

TEST_CASE("An alias inside its own anchor is refused, not followed forever", "[config]") {
  CHECK(ErrorOf("a: &a [*a]\n") == "test.yaml:1: alias refers to a node that contains it");
  CHECK(ErrorOf("a: &a {b: {c: *a}}\n") == "test.yaml:1: alias refers to a node that contains it");
}

TEST_CASE("Aliases within the budget are expanded into copies", "[config]") {
  const std::string text =
      Doc("subscriptions:\n"
          "  - name: a\n    account: main\n"
          "    event_filters: &f [\"/restapi/v1.0/account/~/extension/~/presence\"]\n"
          "  - name: b\n    account: main\n    event_filters: *f\n");
  Result<Config> c = ParseConfig(text, "t.yaml", false, testing::FakeWorld{}.Options());
  INFO((c.ok() ? std::string() : c.status().message()));
  REQUIRE(c.ok());
  REQUIRE(c->subscriptions.size() == 2);
  CHECK(c->subscriptions[1].event_filters == c->subscriptions[0].event_filters);
  CHECK(c->subscriptions[1].event_filters.size() == 1);
}

TEST_CASE("ReadBoundedFile reads regular files within the cap and refuses the rest", "[config]") {
  TempDir dir;
  const std::string exact = dir.Write("exact", std::string(100, 'x'));
  Result<std::string> read = ReadBoundedFile(exact, 100);
  REQUIRE(read.ok());
  CHECK(read->size() == 100);
  Result<std::string> over = ReadBoundedFile(dir.Write("over", std::string(101, 'x')), 100);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().message() == "is larger than 100 bytes");

  Result<std::string> zero = ReadBoundedFile("/dev/zero", kMaxSecretFileBytes);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.status().message() == "is not a regular file (a character device)");
  Result<std::string> directory = ReadBoundedFile(dir / "", kMaxSecretFileBytes);
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.status().message() == "is not a regular file (a directory)");
  const std::string fifo = dir.Fifo("fifo");
  Result<std::string> from_fifo =
      WithinDeadline(fifo, [&] { return ReadBoundedFile(fifo, kMaxSecretFileBytes); });
  REQUIRE_FALSE(from_fifo.ok());
  CHECK(from_fifo.status().message() == "is not a regular file (a FIFO)");
  Result<std::string> missing = ReadBoundedFile(dir / "missing", 100);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);

  CHECK(DescribeBytes(kMaxConfigFileBytes) == "64 MiB");
  CHECK(DescribeBytes(kMaxSecretFileBytes) == "64 KiB");
}

TEST_CASE("A *_file naming a device, a FIFO or a directory is refused without blocking",
          "[config]") {
  TempDir dir;
  const std::string fifo = dir.Fifo("jwt.fifo");
  const std::string text =
      "platform:\n"
      "  client_id: id\n"
      "  client_secret_file: /dev/zero\n"
      "webhook_secret_file: " +
      (dir / "") +
      "\n"
      "accounts:\n"
      "  - name: main\n"
      "    jwt_file: " +
      fifo + "\n";
  // The real filesystem: no `read` injected.
  const std::string error = WithinDeadline(fifo, [&] {
    Result<Config> c = ParseConfig(text, "test.yaml", false);
    return c.ok() ? std::string() : c.status().message();
  });
  CHECK_THAT(error, Catch::Contains("test.yaml:3: platform.client_secret_file: cannot read "
                                    "'/dev/zero': is not a regular file (a character device)"));
  CHECK_THAT(error, Catch::Contains("test.yaml:4: webhook_secret_file: cannot read '" + (dir / "") +
                                    "': is not a regular file (a directory)"));
  CHECK_THAT(error, Catch::Contains("test.yaml:7: accounts[0].jwt_file: cannot read '" + fifo +
                                    "': is not a regular file (a FIFO)"));
  // Not mistaken for a missing value.
  CHECK_THAT(error, !Catch::Contains("is required"));
}

TEST_CASE("A *_file larger than 64 KiB is refused; 64 KiB is read", "[config]") {
  TempDir dir;
  const std::string big = dir.Write("big", std::string(kMaxSecretFileBytes + 1, 's'));
  const std::string fits = dir.Write("fits", std::string(kMaxSecretFileBytes, 's'));
  // The real filesystem: no `read` injected.
  Result<Config> refused = ParseConfig(
      Doc("", "", "accounts:\n  - name: main\n    jwt_file: " + big + "\n"), "test.yaml", false);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message() ==
        "test.yaml:7: accounts[0].jwt_file: cannot read '" + big + "': is larger than 64 KiB");
  Result<Config> c = ParseConfig(
      Doc("", "", "accounts:\n  - name: main\n    jwt_file: " + fits + "\n"), "test.yaml", false);
  REQUIRE(c.ok());
  CHECK(c->accounts[0].jwt.Reveal().size() == kMaxSecretFileBytes);
}

TEST_CASE("A config file that is a FIFO, a directory or too large is refused", "[config]") {
  TempDir dir;
  const std::string fifo = dir.Fifo("keeper.yaml");
  Result<Config> from_fifo = WithinDeadline(fifo, [&] { return LoadConfigFile(fifo); });
  REQUIRE_FALSE(from_fifo.ok());
  CHECK(from_fifo.status().message() ==
        "cannot read config file " + fifo + ": is not a regular file (a FIFO)");

  Result<Config> from_dir = LoadConfigFile(dir / "");
  REQUIRE_FALSE(from_dir.ok());
  CHECK_THAT(from_dir.status().message(), Catch::EndsWith("is not a regular file (a directory)"));

  // Sparse: no 64 MiB written to disk.
  const std::string huge = dir / "huge.yaml";
  { std::ofstream(huge) << "a: b\n"; }
  fs::resize_file(huge, kMaxConfigFileBytes + 1);
  Result<Config> too_large = LoadConfigFile(huge);
  REQUIRE_FALSE(too_large.ok());
  CHECK(too_large.status().message() ==
        "cannot read config file " + huge + ": is larger than 64 MiB");
}

TEST_CASE("An accounts file that is not a regular file, is too large or has a deep line is refused",
          "[config]") {
  TempDir dir;
  const std::string fifo = dir.Fifo("accounts.jsonl");
  const std::string config =
      dir.Write("keeper.yaml", Doc("accounts_file: accounts.jsonl\n", "", "accounts: []\n"));
  Result<Config> from_fifo = WithinDeadline(fifo, [&] { return LoadConfigFile(config); });
  REQUIRE_FALSE(from_fifo.ok());
  CHECK_THAT(from_fifo.status().message(),
             Catch::Contains(config + ":6: accounts_file: cannot read '" + fifo +
                             "': is not a regular file (a FIFO)"));

  REQUIRE(fs::remove(fifo));
  // Sparse: larger than 256 MiB without writing it.
  { std::ofstream(fifo) << "{}\n"; }
  fs::resize_file(fifo, kMaxAccountsFileBytes + 1);
  Result<Config> too_large = LoadConfigFile(config);
  REQUIRE_FALSE(too_large.ok());
  CHECK_THAT(too_large.status().message(),
             Catch::Contains(config + ":6: accounts_file: cannot read '" + fifo +
                             "': is larger than 256 MiB"));

  const std::string accounts =
      dir.Write("accounts.jsonl",
                "{\"name\": \"a\", \"jwt\": \"j\"}\n{\"name\": " + std::string(100000, '[') + "\n");
  Result<Config> deep = LoadConfigFile(config);
  REQUIRE_FALSE(deep.ok());
  CHECK_THAT(deep.status().message(),
             Catch::Contains(accounts + ":2: accounts_file[2]: nesting is deeper than 64 levels"));
}

TEST_CASE("TLS files are read as every config-named file is", "[config]") {
  TempDir dir;
  const std::string fifo = dir.Fifo("cert.pem");
  TlsConfig tls;
  tls.cert_path = fifo;
  tls.key_path = "/dev/zero";
  const Status from_fifo =
      WithinDeadline(fifo, [&] { return server::CheckTls(app::ToTlsOptions(tls)); });
  CHECK(from_fifo.message() ==
        "listen.tls.cert: cannot load '" + fifo + "': is not a regular file (a FIFO)");
  tls.cert_path = dir.Write("big.pem", std::string(kMaxTlsFileBytes + 1, 'x'));
  CHECK(server::CheckTls(app::ToTlsOptions(tls)).message() ==
        "listen.tls.cert: cannot load '" + tls.cert_path + "': is larger than 1 MiB");
}

}  // namespace
}  // namespace subkeeper::config
