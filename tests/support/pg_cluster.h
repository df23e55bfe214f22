// A throwaway PostgreSQL cluster for tests: one per test process, started on first use and
// stopped when the process exits, with a fresh database per test so tests stay independent.
//
// The cluster lives in a private directory made by mkdtemp: its data directory, its log and its
// Unix socket (listen_addresses is empty, so no TCP port can clash with another process). It is
// created with initdb --auth=trust and runs with fsync off: durability is not what the tests
// exercise, and a commit then costs no disk flush. As root (CI), initdb and the server run as
// the `postgres` user through runuser, because PostgreSQL refuses to run as root
// (https://www.postgresql.org/docs/15/server-start.html). The binaries are found through
// `pg_config --bindir`, else /usr/lib/postgresql/<newest>/bin.
//
// When PostgreSQL is not installed, RequirePgCluster() fails the test if the environment says
// CI=true (a CI run must never skip it silently) and otherwise prints why and returns null, so
// the test returns early: a visible skip. Not thread-safe except where noted: tests call it from
// their own thread.
#pragma once

#include <string>

namespace subkeeper::testing {

class PgCluster {
 public:
  // The process's cluster, started on the first call (2–3 s); null when it cannot be started,
  // with the reason in `why`. Later calls return the same cluster (or the same failure).
  static PgCluster* Get(std::string* why);

  // Creates a new, empty database (t1, t2, … in creation order) and returns a libpq connection
  // string for it; "" with the reason in `why` when CREATE DATABASE fails. Thread-safe.
  std::string NewDatabase(std::string* why);

  // The libpq connection string of the existing database `dbname`.
  std::string Conninfo(const std::string& dbname) const;

  // Stops the server the way a crash would (pg_ctl stop -m immediate: no checkpoint, every
  // connection cut), for tests of an outage. Resume() starts it again on the same data, after
  // its crash recovery; false with the reason in `why`. Not thread-safe.
  void Crash();
  bool Resume(std::string* why);

  // True when the binaries of a PostgreSQL server can be found on this machine; when false,
  // `why` says what is missing.
  static bool Installed(std::string* why);

  // True when the environment variable CI is "true" (GitHub Actions, GitLab and most CI systems
  // set it): PostgreSQL tests then fail instead of skipping.
  static bool InCi();

 private:
  PgCluster(std::string dir, std::string bindir, bool as_postgres);
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  // Runs initdb and pg_ctl start; false with the reason (and the log's tail) in `why`.
  bool Start(std::string* why);
  void Stop();
  // Runs a PostgreSQL binary (as `postgres` when root); its exit status.
  int Run(const std::string& binary, const std::string& args) const;
  static void StopAtExit();

  std::string dir_;     // the private directory: data/, log, the socket
  std::string bindir_;  // where initdb and pg_ctl are
  bool as_postgres_;    // root: run the server as the postgres user
  bool started_ = false;
  int databases_ = 0;  // guarded by a mutex in NewDatabase
};

// The cluster for a test that needs one: fails the test (CI=true) or prints why it is skipped
// and returns null when PostgreSQL is unavailable. A test that gets null returns at once.
PgCluster* RequirePgCluster();

// A connection string for a new, empty database of the process's cluster: fails the test like
// RequirePgCluster, or returns "" when skipped.
std::string RequireNewPgDatabase();

}  // namespace subkeeper::testing
