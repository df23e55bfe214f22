// The "raw single-row commits" anchor of B3: one connection, WAL, the keeper's synchronous level,
// the keeper's events table, one ~560-byte RingCentral-shaped row per BEGIN IMMEDIATE / COMMIT,
// prepared statements, no HTTP. This is what a naive "store, then answer" receiver can do at
// best on this disk; the keeper's group commit has to beat it.
// Usage: bench_sqlite_raw DB SECONDS [FULL|NORMAL]. Prints one JSON object.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

bool Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql, err != nullptr ? err : "?");
    sqlite3_free(err);
    return false;
  }
  return true;
}

// Same shape and size as bench/lib/ingest.lua's bodies.
std::string Body(const std::string& uuid) {
  return R"({"uuid":")" + uuid +
         R"(","event":"/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",)"
         R"("timestamp":"2026-11-22T10:00:00.000Z","subscriptionId":"bench-subscription-0001",)"
         R"("ownerId":"1234567890","body":{"id":"1234567890123","to":[{"phoneNumber":)"
         R"("+16505550100","name":"Bench Receiver"}],"from":{"phoneNumber":"+16505550199",)"
         R"("name":"Bench Sender"},"type":"SMS","creationTime":"2026-11-22T10:00:00.000Z",)"
         R"("readStatus":"Unread","attachments":[{"id":"1234567890123","type":"Text"}],)"
         R"("direction":"Inbound","subject":"bench","messageStatus":"Received"}})";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_sqlite_raw DB SECONDS [FULL|NORMAL]\n");
    return 2;
  }
  const double seconds = std::atof(argv[2]);
  const std::string sync = argc > 3 ? argv[3] : "FULL";
  if (sync != "FULL" && sync != "NORMAL") {
    std::fprintf(stderr, "synchronous must be FULL or NORMAL\n");
    return 2;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
    std::fprintf(stderr, "open: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  const std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + sync + ";";
  // The keeper's events table (schema/0001_init.sql).
  const char* ddl =
      "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT NOT "
      "NULL UNIQUE, account TEXT NOT NULL, name TEXT NOT NULL, subscription_id TEXT NOT NULL "
      "DEFAULT '', event TEXT NOT NULL DEFAULT '', body BLOB NOT NULL, received_at INTEGER NOT "
      "NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT 'event', relay_state TEXT NOT NULL DEFAULT "
      "'pending', attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT "
      "0);"
      "CREATE INDEX IF NOT EXISTS events_relay_due ON events (relay_state, next_attempt_at);"
      "CREATE INDEX IF NOT EXISTS events_route ON events (account, name, seq);";
  if (!Exec(db, pragmas.c_str()) || !Exec(db, ddl)) return 1;
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* insert = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT OR IGNORE INTO events (uuid, account, name, subscription_id, event, "
                     "body, received_at, relay_state) VALUES (?, 'bench', 'ingest', "
                     "'bench-subscription-0001', "
                     "'/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS', ?, ?, "
                     "'none')",
                     -1, &insert, nullptr);
  sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr);
  if (begin == nullptr || insert == nullptr || commit == nullptr) {
    std::fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  std::vector<double> us;
  size_t body_bytes = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  auto now = start;
  for (long i = 0; now < end; ++i) {
    const auto t0 = Clock::now();
    const std::string uuid =
        "raw-" + std::to_string(start.time_since_epoch().count()) + "-" + std::to_string(i);
    const std::string body = Body(uuid);
    body_bytes = body.size();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    sqlite3_bind_text(insert, 1, uuid.data(), static_cast<int>(uuid.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(insert, 2, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 3, ms);
    if (sqlite3_step(begin) != SQLITE_DONE || sqlite3_step(insert) != SQLITE_DONE ||
        sqlite3_step(commit) != SQLITE_DONE) {
      std::fprintf(stderr, "txn: %s\n", sqlite3_errmsg(db));
      return 1;
    }
    sqlite3_reset(begin);
    sqlite3_reset(insert);
    sqlite3_reset(commit);
    now = Clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(now - t0).count());
  }
  sqlite3_finalize(begin);
  sqlite3_finalize(insert);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  const double elapsed = std::chrono::duration<double>(now - start).count();
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) {
    return us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))];
  };
  std::printf(
      "{\"txns\": %zu, \"seconds\": %.3f, \"txn_per_s\": %.1f, \"p50_us\": %.1f, \"p99_us\": "
      "%.1f, \"max_us\": %.1f, \"body_bytes\": %zu, \"synchronous\": \"%s\", \"sqlite\": "
      "\"%s\"}\n",
      us.size(), elapsed, static_cast<double>(us.size()) / elapsed, pct(0.5), pct(0.99), us.back(),
      body_bytes, sync.c_str(), sqlite3_libversion());
  return 0;
}
