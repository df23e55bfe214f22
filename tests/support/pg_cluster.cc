#include "support/pg_cluster.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <vector>

namespace subkeeper::testing {
namespace {

namespace fs = std::filesystem;

// Single quotes for sh: every path here comes from mkdtemp or the package's bindir, but a quote
// costs nothing.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The first line `command` prints, "" when it fails.
std::string FirstLineOf(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>/dev/null").c_str(), "r"),
                                             &pclose);
  if (!pipe) return "";
  std::array<char, 512> buf{};
  std::string out;
  if (fgets(buf.data(), buf.size(), pipe.get()) != nullptr) out = buf.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

bool HasServer(const std::string& bindir) {
  return !bindir.empty() && fs::exists(bindir + "/initdb") && fs::exists(bindir + "/pg_ctl") &&
         fs::exists(bindir + "/postgres");
}

// pg_config --bindir (libpq-dev ships pg_config, the server package the binaries), else the
// newest /usr/lib/postgresql/<major>/bin, Debian's layout.
std::string FindBindir() {
  std::string bindir = FirstLineOf("pg_config --bindir");
  if (HasServer(bindir)) return bindir;
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string major = entry.path().filename().string();
    const std::string candidate = entry.path().string() + "/bin";
    if (HasServer(candidate)) found.emplace_back(std::atoi(major.c_str()), candidate);
  }
  if (found.empty()) return "";
  return std::max_element(found.begin(), found.end())->second;
}

bool IsRoot() { return geteuid() == 0; }

// The last `max_bytes` of the file at `path` ("" when unreadable).
std::string TailOf(const std::string& path, size_t max_bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "r"), &std::fclose);
  if (!file) return "";
  std::string text;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), file.get())) > 0) text.append(buf.data(), n);
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

std::mutex& ClusterMutex() {
  static std::mutex mu;
  return mu;
}

PgCluster* g_cluster = nullptr;  // guarded by ClusterMutex(); stopped by StopAtExit
std::string* g_failure = nullptr;

}  // namespace

bool PgCluster::InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

bool PgCluster::Installed(std::string* why) {
  if (FindBindir().empty()) {
    *why =
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) under `pg_config --bindir` or "
        "/usr/lib/postgresql/*/bin; scripts/bootstrap installs Debian's postgresql";
    return false;
  }
  if (IsRoot() && getpwnam("postgres") == nullptr) {
    *why = "running as root but there is no `postgres` user to run the server as";
    return false;
  }
  return true;
}

PgCluster* PgCluster::Get(std::string* why) {
  std::lock_guard lock(ClusterMutex());
  if (g_cluster != nullptr) return g_cluster;
  if (g_failure != nullptr) {
    *why = *g_failure;
    return nullptr;
  }
  auto fail = [&](std::string reason) -> PgCluster* {
    g_failure = new std::string(std::move(reason));
    *why = *g_failure;
    return nullptr;
  };
  std::string reason;
  if (!Installed(&reason)) return fail(reason);
  std::string pattern = (fs::temp_directory_path() / "subkeeper-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return fail("mkdtemp failed");
  auto* cluster = new PgCluster(pattern, FindBindir(), IsRoot());
  if (!cluster->Start(&reason)) {
    delete cluster;
    return fail("could not start a PostgreSQL cluster: " + reason);
  }
  g_cluster = cluster;
  std::atexit(&PgCluster::StopAtExit);
  return g_cluster;
}

PgCluster::PgCluster(std::string dir, std::string bindir, bool as_postgres)
    : dir_(std::move(dir)), bindir_(std::move(bindir)), as_postgres_(as_postgres) {}

PgCluster::~PgCluster() {
  Stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void PgCluster::StopAtExit() {
  std::lock_guard lock(ClusterMutex());
  delete g_cluster;
  g_cluster = nullptr;
}

int PgCluster::Run(const std::string& binary, const std::string& args) const {
  // From / so that the postgres user is not left in a directory it cannot read.
  std::string command = "cd / && ";
  if (as_postgres_) command += "runuser -u postgres -- ";
  command +=
      Quote(bindir_ + "/" + binary) + " " + args + " >>" + Quote(dir_ + "/setup.log") + " 2>&1";
  return std::system(command.c_str());
}

bool PgCluster::Start(std::string* why) {
  if (as_postgres_) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      *why = "cannot hand " + dir_ + " to the postgres user";
      return false;
    }
  }
  const std::string data = dir_ + "/data";
  // --no-sync: nothing here must survive a crash of the machine.
  if (Run("initdb", "-D " + Quote(data) +
                        " --auth=trust --username=postgres --encoding=UTF8 --locale=C --no-sync") !=
      0) {
    *why = "initdb failed: " + TailOf(dir_ + "/setup.log", 2000);
    return false;
  }
  {
    // Settings of a test server only (https://www.postgresql.org/docs/15/runtime-config.html):
    // no TCP listener, the socket in the private directory, no flush on commit.
    std::ofstream conf(data + "/postgresql.conf", std::ios::app);
    conf << "\nlisten_addresses = ''\n"
         << "unix_socket_directories = '" << dir_ << "'\n"
         << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
    if (!conf) {
      *why = "cannot write " + data + "/postgresql.conf";
      return false;
    }
  }
  if (Run("pg_ctl",
          "-D " + Quote(data) + " -l " + Quote(dir_ + "/server.log") + " -w -t 60 start") != 0) {
    *why = "pg_ctl start failed: " + TailOf(dir_ + "/setup.log", 1000) +
           TailOf(dir_ + "/server.log", 2000);
    Run("pg_ctl", "-D " + Quote(data) + " -m immediate stop");
    return false;
  }
  started_ = true;
  return true;
}

void PgCluster::Stop() {
  if (!started_) return;
  started_ = false;
  Run("pg_ctl", "-D " + Quote(dir_ + "/data") + " -m immediate -w stop");
}

void PgCluster::Crash() { Run("pg_ctl", "-D " + Quote(dir_ + "/data") + " -m immediate -w stop"); }

bool PgCluster::Resume(std::string* why) {
  if (Run("pg_ctl", "-D " + Quote(dir_ + "/data") + " -l " + Quote(dir_ + "/server.log") +
                        " -w -t 60 start") != 0) {
    *why = "pg_ctl start failed: " + TailOf(dir_ + "/server.log", 2000);
    return false;
  }
  return true;
}

std::string PgCluster::Conninfo(const std::string& dbname) const {
  // The socket directory as host: libpq takes a value starting with '/' as a Unix socket
  // directory (https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNECT-HOST).
  return "host=" + dir_ + " dbname=" + dbname + " user=postgres connect_timeout=10";
}

std::string PgCluster::NewDatabase(std::string* why) {
  int n;
  {
    std::lock_guard lock(ClusterMutex());
    n = ++databases_;
  }
  const std::string name = "t" + std::to_string(n);
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(Conninfo("postgres").c_str()),
                                                  &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    *why = std::string("cannot connect to the test cluster: ") + PQerrorMessage(conn.get());
    return "";
  }
  // The name is ours (t<n>), not a value from a test: no quoting needed.
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(
      PQexec(conn.get(), ("CREATE DATABASE " + name).c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    *why = "CREATE DATABASE " + name + " failed: " + PQresultErrorMessage(result.get());
    return "";
  }
  return Conninfo(name);
}

PgCluster* RequirePgCluster() {
  std::string why;
  PgCluster* cluster = PgCluster::Get(&why);
  if (cluster != nullptr) return cluster;
  std::string installed_why;
  if (PgCluster::InCi() || PgCluster::Installed(&installed_why)) {
    // Installed but broken fails everywhere; missing fails only under CI=true.
    FAIL("PostgreSQL tests cannot run (CI=true or PostgreSQL is installed): " << why);
  }
  std::cerr << "SKIPPED (PostgreSQL): " << why << "\n";
  WARN("skipped: " << why);
  return nullptr;
}

std::string RequireNewPgDatabase() {
  PgCluster* cluster = RequirePgCluster();
  if (cluster == nullptr) return "";
  std::string why;
  std::string conninfo = cluster->NewDatabase(&why);
  if (conninfo.empty()) FAIL(why);
  return conninfo;
}

}  // namespace subkeeper::testing
