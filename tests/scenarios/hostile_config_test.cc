// Scenarios of hostile config input against the real binary: `check` and `run` refuse it with a
// message, and a running keeper whose config file is replaced by it keeps its old config, keeps
// answering, says why (log and /readyz), and still reloads on a later valid edit or SIGHUP.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

std::string KeeperLog(const Scenario& s) { return ReadFile(s.dir() + "/keeper.log").value_or(""); }

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
  return path;
}

// Waits for /readyz to report a refused config containing `reason`; returns that body.
json WaitForRefusal(Scenario& s, const std::string& reason) {
  json ready;
  HttpReply readyz;
  const bool seen = WaitFor(
      [&] {
        readyz = s.AdminGet("/readyz");
        ready = readyz.Json();
        return ready.is_object() && ready.contains("config_refused") &&
               ready["config_refused"].get<std::string>().find(reason) != std::string::npos;
      },
      15s);
  INFO("readyz: " << readyz.status << " " << readyz.body);
  REQUIRE(seen);
  // The old configuration keeps running: still ready.
  CHECK(readyz.status == 200);
  CHECK(ready["ready"] == true);
  return ready;
}

// Puts a FIFO where the config file was, the way an editor's save replaces it (rename).
void SwapInFifo(const Scenario& s) {
  const std::string fifo = s.dir() + "/fifo.tmp";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  REQUIRE(std::rename(fifo.c_str(), s.config_path().c_str()) == 0);
}

}  // namespace

TEST_CASE("a running keeper refuses a deep, a FIFO and a device config and reloads afterwards",
          "[integration]") {
  Scenario s;
  REQUIRE_FALSE(s.WaitForActive(20s).empty());
  const json before = s.ConfigState();
  REQUIRE(before.is_object());
  const int64_t generation = before["generation"].get<int64_t>();

  // Tens of thousands of levels (JSON is YAML): picked up by the content poll, no SIGHUP.
  s.ReplaceConfig(std::string(100000, '['));
  json ready = WaitForRefusal(s, "nesting is deeper than 64 levels");
  CHECK(ready["config_refused"] == s.config_path() + ":1: nesting is deeper than 64 levels");
  CHECK(ready["config_generation"] == generation);
  CHECK(WaitFor(
      [&] {
        const std::string log = KeeperLog(s);
        return log.find("configuration refused") != std::string::npos &&
               log.find("nesting is deeper than 64 levels") != std::string::npos;
      },
      5s));

  // A FIFO renamed over the config: refused without blocking the signal loop.
  SwapInFifo(s);
  ready = WaitForRefusal(s, "is not a regular file (a FIFO)");
  CHECK(ready["config_refused"] ==
        "cannot read config file " + s.config_path() + ": is not a regular file (a FIFO)");
  // SIGHUP is still acted on (it used to be ignored for good once a read blocked): the reload
  // is tried again and refused again.
  const size_t refusals = Count(KeeperLog(s), "is not a regular file (a FIFO)");
  REQUIRE(refusals >= 1);
  s.SignalKeeper(SIGHUP);
  CHECK(WaitFor([&] { return Count(KeeperLog(s), "is not a regular file (a FIFO)") > refusals; },
                10s));
  CHECK(s.AdminGet("/readyz").status == 200);
  CHECK(s.ConfigState()["generation"] == generation);

  // A character device: never read without end.
  const std::string link = s.dir() + "/zero.tmp";
  REQUIRE(symlink("/dev/zero", link.c_str()) == 0);
  REQUIRE(std::rename(link.c_str(), s.config_path().c_str()) == 0);
  WaitForRefusal(s, "is not a regular file (a character device)");

  // A valid edit is applied: the keeper was never stuck.
  s.RewriteConfig(s.Specs());
  const json fixed = s.WaitForReload(before);
  INFO("config state after the fix: " << s.ConfigState().dump());
  REQUIRE(fixed.is_object());
  CHECK(fixed["generation"] == generation + 1);
  CHECK_FALSE(s.AdminGet("/readyz").Json().contains("config_refused"));

  // And it stops cleanly, not by the shutdown deadline.
  const Scenario::Termination end = s.TerminateKeeper(5s);
  CHECK(end.exited);
  CHECK(end.exit_code == 0);
}

TEST_CASE("check and run refuse hostile config input with a message, never hanging",
          "[integration]") {
  ScenarioOptions options;
  options.start_keeper = false;
  Scenario s(options);

  const std::string deep = Write(s.dir() + "/deep.json", std::string(100000, '['));
  CliRun run = s.RunCli({"check", "-c", deep}, 10s);
  INFO("check deep.json: " << run.exit_code << " " << run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.err == deep + ":1: nesting is deeper than 64 levels (at byte 65)\n");

  std::string bomb = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  const std::string bomb_path = Write(s.dir() + "/bomb.yaml", bomb);
  run = s.RunCli({"check", "-c", bomb_path}, 10s);
  INFO("check bomb.yaml: " << run.exit_code << " " << run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("YAML aliases expand to more than 1000000 nodes") != std::string::npos);

  const std::string fifo = s.dir() + "/keeper-fifo.yaml";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  for (const char* command : {"check", "run"}) {
    run = s.RunCli({command, "-c", fifo}, 10s);
    INFO(command << " on a FIFO: " << run.exit_code << " " << run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("cannot read config file " + fifo + ": is not a regular file (a FIFO)") !=
          std::string::npos);
  }

  std::string text = s.ConfigText(s.Specs(), 0);
  const std::string secret_line = "  client_secret: \"demo-secret\"\n";
  REQUIRE(text.find(secret_line) != std::string::npos);
  text.replace(text.find(secret_line), secret_line.size(), "  client_secret_file: /dev/zero\n");
  const std::string zero = Write(s.dir() + "/zero-secret.yaml", text);
  run = s.RunCli({"check", "-c", zero}, 10s);
  INFO("check zero-secret.yaml: " << run.exit_code << " " << run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("platform.client_secret_file: cannot read '/dev/zero': is not a regular "
                     "file (a character device)") != std::string::npos);
  CHECK(run.err.find("is required") == std::string::npos);
}

}  // namespace subkeeper::testing
