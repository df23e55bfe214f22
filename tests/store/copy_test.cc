// CopySqliteToPostgres (store/copy.h): a SQLite store filled through the Store API reads back the
// same from PostgreSQL, new rows continue after the copied ones, a target with rows is refused,
// and a copy that fails midway leaves no row behind. Each test gets a fresh database of the
// process's throwaway cluster (tests/support/pg_cluster.h), or is skipped visibly.
#include "subkeeper/store/copy.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/conformance/fixtures.h"
#include "store/copy_tables.h"
#include "store/temp_dir.h"
#include "subkeeper/store/postgres_store.h"
#include "subkeeper/store/sqlite_store.h"
#include "support/pg_cluster.h"

namespace subkeeper::store {
namespace {

using conformance::At;
using std::chrono::minutes;
using std::chrono::seconds;

using Conn = std::unique_ptr<PGconn, void (*)(PGconn*)>;
using Res = std::unique_ptr<PGresult, void (*)(PGresult*)>;

// Runs `sql` on a connection of its own and returns the first column of the first row.
std::string Scalar(const std::string& conninfo, const std::string& sql) {
  Conn conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  Res result(PQexec(conn.get(), sql.c_str()), &PQclear);
  INFO(sql << ": " << PQresultErrorMessage(result.get()));
  REQUIRE((PQresultStatus(result.get()) == PGRES_TUPLES_OK ||
           PQresultStatus(result.get()) == PGRES_COMMAND_OK));
  if (PQntuples(result.get()) == 0) return "";
  return PQgetvalue(result.get(), 0, 0);
}

// Every table the copy writes or checks: SQLite's, event_streams and rate_spends.
std::vector<std::string> TargetTables() {
  std::vector<std::string> names;
  for (const copy::CopyTable& table : copy::CopiedTables()) names.push_back(table.name);
  names.push_back(copy::kEventStreamsTable);
  names.push_back(copy::kRateSpendsTable);
  return names;
}

// "table=rows" of every target table, to compare a whole database before and after.
std::string RowCounts(const std::string& conninfo) {
  std::string out;
  for (const std::string& table : TargetTables()) {
    out += table + "=" + Scalar(conninfo, "SELECT count(*) FROM " + table) + " ";
  }
  return out;
}

std::string EmptyCounts() {
  std::string out;
  for (const std::string& table : TargetTables()) out += table + "=0 ";
  return out;
}

std::string Ms(WallTime t) { return std::to_string(ToUnixMillis(t)); }

std::string List(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const std::string& item : items) out += item + ";";
  return out + "]";
}

std::string Hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Every field, so that two lists compare equal only when every field of every row does.
std::string Dump(const SubscriptionRecord& r) {
  return r.account + "|" + r.name + "|" + List(r.event_filters) + "|" +
         std::to_string(r.expires_in_s) + "|" +
         (r.reminder ? subscription::ReminderFilter(*r.reminder) : "-") + "|" + r.address + "|" +
         r.deliver_to + "|" + r.token_fingerprint + "|" + r.remote_id + "|" +
         std::string(r.status.word()) + "|" + List(r.remote_filters) + "|" +
         List(r.disabled_filters) + "|" + r.blacklisted_reason + "|" +
         std::to_string(r.granted_ttl_s) + "|" + Ms(r.remote_created_at) + "|" + Ms(r.expires_at) +
         "|" + Ms(r.next_renewal_at) + "|" + Ms(r.last_renewed_at) + "|" +
         std::string(subscription::RenewedByText(r.last_trigger)) + "|" + Ms(r.last_reminder_at) +
         "|" + std::to_string(r.reminder_path_broken) + std::to_string(r.create_uncertain) + "|" +
         std::to_string(r.failures) + "|" + r.last_error + "|" + Ms(r.last_error_at) + "|" +
         r.lease_owner + "|" + Ms(r.lease_until) + "|" + Ms(r.updated_at);
}

std::string Dump(const EventRecord& e) {
  return std::to_string(e.seq) + "|" + e.uuid + "|" + e.account + "|" + e.name + "|" +
         e.subscription_id + "|" + e.event + "|" + Hex(e.body) + "|" + Ms(e.received_at) + "|" +
         std::string(EventKindText(e.kind)) + "|" + std::string(RelayStateText(e.relay_state)) +
         "|" + std::to_string(e.attempts) + "|" + Ms(e.next_attempt_at) + "|" + e.last_error + "|" +
         Ms(e.delivered_at);
}

std::string Dump(const HistoryEntry& h) {
  return std::to_string(h.id) + "|" + Ms(h.at) + "|" + h.account + "|" + h.name + "|" +
         std::string(HistoryKindText(h.kind)) + "|" + h.remote_id + "|" +
         std::string(subscription::RenewedByText(h.trigger)) + "|" + h.detail;
}

std::string Dump(const platform::AccountSnapshot& a) {
  return a.account + "|" + a.credential_fingerprint + "|" + a.access_token.Reveal() + "|" +
         Ms(a.access_expires_at) + "|" + a.refresh_token.Reveal() + "|" + Ms(a.refresh_expires_at) +
         "|" + std::string(platform::CredentialStateText(a.state)) + "|" +
         std::to_string(a.auth_failures) + "|" + Ms(a.next_login_at) + "|" + a.last_error + "|" +
         Ms(a.updated_at);
}

std::string Dump(const platform::RateBlock& b) {
  return b.account + "|" + platform::RateGroupName(b.group) + "|" + Ms(b.until);
}

std::string Dump(const ConditionTransition& c) {
  return c.account + "|" + c.name + "|" + c.type + "|" + std::to_string(c.status) + "|" + c.reason +
         "|" + Ms(c.since);
}

std::string Dump(const AccountClaim& c) {
  return c.account + "|" + c.owner + "|" + std::to_string(c.epoch) + "|" + Ms(c.until);
}

std::string Dump(const Secret& s) { return s.Reveal(); }

template <typename T>
std::vector<std::string> DumpAll(const Result<std::vector<T>>& rows) {
  REQUIRE(rows.ok());
  std::vector<std::string> out;
  for (const T& row : *rows) out.push_back(Dump(row));
  return out;
}

// What the Store API reads from `s`: every role, every row.
std::map<std::string, std::vector<std::string>> ReadAll(Store& s, WallTime now) {
  return {{"subscriptions", DumpAll(s.ListSubscriptions())},
          {"history", DumpAll(s.ListHistory({"", "", 0}))},
          {"events", DumpAll(s.ListEvents("", "", std::nullopt, 0))},
          {"accounts", DumpAll(s.LoadAccounts())},
          {"rate_blocks", DumpAll(s.LoadRateBlocks(now))},
          {"conditions", DumpAll(s.ListConditionTransitions(nullptr))},
          {"secrets", DumpAll(s.ListWebhookSecrets())},
          {"claims", DumpAll(s.ListClaims())}};
}

EventRecord Event(const std::string& uuid, const std::string& account, const std::string& name,
                  int64_t received_ms) {
  EventRecord e;
  e.uuid = uuid;
  e.account = account;
  e.name = name;
  e.subscription_id = "remote-" + name;
  e.event = "/restapi/v1.0/account/~/extension/~/presence";
  // Bytes no text column could hold: a NUL and invalid UTF-8.
  e.body = "{\"n\":\"" + uuid + "\"}" + std::string("\0\xff\x01 binary", 10);
  e.received_at = At(received_ms);
  return e;
}

// The seq of the stored event `uuid` (0 when absent).
int64_t SeqOf(Store& s, const std::string& uuid) {
  auto events = s.ListEvents("", "", std::nullopt, 0);
  REQUIRE(events.ok());
  for (const EventRecord& e : *events) {
    if (e.uuid == uuid) return e.seq;
  }
  return 0;
}

struct Filled {
  int64_t pruned_seq = 0;  // the highest seq SQLite gave out: its event was pruned
};

// A SQLite store with a row in every table, written through the Store API as a keeper writes.
Filled Fill(Store& s, ManualClock& clock) {
  const WallTime now = clock.Now();
  SubscriptionRecord sms = conformance::Full();
  sms.token_fingerprint = "fp-1";
  HistoryEntry created = MakeHistory(now, "", "", HistoryKind::kCreated, "a1b2c3", "created");
  EventRecord lifecycle = Event("life-1", "main", "sms", 1'700'000'000'500);
  lifecycle.kind = EventKind::kLifecycle;
  created.outbox.push_back(lifecycle);
  REQUIRE(s.PutSubscription(sms, created).ok());
  REQUIRE(s.PutSubscription(conformance::Minimal("fax"), std::nullopt).ok());
  SubscriptionRecord voice = conformance::Minimal("voice");
  voice.account = "other";
  voice.remote_id = "v-1";
  REQUIRE(s.PutSubscription(voice, std::nullopt).ok());
  REQUIRE(s.TryAcquireLease("main", "sms", "subkeeper@old-host", now, now + minutes(5)).value());

  HistoryEntry renewed = MakeHistory(now, "main", "fax", HistoryKind::kRenewed, "f-1", "");
  renewed.trigger = subscription::RenewedBy::kReminder;
  REQUIRE(s.AppendHistory(renewed).ok());
  HistoryEntry dead = MakeHistory(now, "other", "voice", HistoryKind::kDeadLettered, "v-1", "gone");
  EventRecord dead_event = Event("life-2", "other", "voice", 1'700'000'000'600);
  dead_event.kind = EventKind::kLifecycle;
  dead.outbox.push_back(dead_event);
  REQUIRE(s.AppendHistory(dead).ok());

  EventRecord reminder = Event("rem-1", "main", "sms", 1'700'000'001'400);
  reminder.kind = EventKind::kReminder;
  reminder.relay_state = RelayState::kNone;
  REQUIRE(s.InsertEvents({Event("ev-1", "main", "sms", 1'700'000'001'000),
                          Event("ev-2", "main", "sms", 1'700'000'001'100),
                          Event("ev-3", "other", "voice", 1'700'000'001'200),
                          Event("ev-4", "main", "sms", 1'700'000'001'300), reminder})
              .ok());
  REQUIRE(
      s.UpdateRelay(SeqOf(s, "ev-1"), {RelayState::kDelivered, 1, {}, "", At(1'700'000'002'000)})
          .ok());
  REQUIRE(
      s.UpdateRelay(SeqOf(s, "ev-2"), {RelayState::kDead, 9, {}, "HTTP 500 from app", {}}).ok());
  REQUIRE(s.UpdateRelay(SeqOf(s, "ev-3"),
                        {RelayState::kPending, 2, At(1'700'000'009'000), "timeout", {}})
              .ok());
  // The newest event delivered long ago and pruned: SQLite's AUTOINCREMENT never gives its seq
  // out again, and PostgreSQL must not either.
  REQUIRE(s.InsertEvents({Event("old-1", "main", "fax", 1'000)}).ok());
  Filled filled;
  filled.pruned_seq = SeqOf(s, "old-1");
  REQUIRE(s.UpdateRelay(filled.pruned_seq, {RelayState::kDelivered, 1, {}, "", At(1'500)}).ok());
  REQUIRE(s.PruneEvents(At(2'000), At(0), 0).value() == 1);

  platform::AccountSnapshot main = conformance::FullAccount();
  REQUIRE(s.SaveAccount(main).ok());
  platform::AccountSnapshot other;
  other.account = "other";
  other.access_token = Secret("other-access-token");
  other.state = platform::CredentialState::kReady;
  REQUIRE(s.SaveAccount(other).ok());
  REQUIRE(s.SaveRateBlock({"main", platform::RateGroup::kHeavy, now + minutes(10)}).ok());
  REQUIRE(s.PutConditionTransitions({{"main", "sms", "Ready", false, "Blacklisted", At(7'000)},
                                     {"main", "sms", "Renewing", true, "Due", At(8'000)}})
              .ok());
  REQUIRE(s.PutWebhookSecrets({Secret("webhook-secret-new"), Secret("webhook-secret-old")}).ok());
  // A second holder: epoch 2, live when copied.
  auto first = s.TryClaimAccount("main", "subkeeper@old-host", now, now + seconds(30));
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  REQUIRE(s.ReleaseClaim("main", (*first)->epoch).ok());
  REQUIRE(s.TryClaimAccount("main", "subkeeper@old-host", now, now + seconds(30)).ok());
  REQUIRE(s.CheckWritable().ok());  // a row in meta
  return filled;
}

// Opens the SQLite store at `path`, fills it, and returns what it holds.
struct Source {
  Filled filled;
  std::map<std::string, std::vector<std::string>> rows;
};
Source MakeSource(const std::string& path, ManualClock& clock) {
  auto sqlite = OpenSqliteStore(path, clock);
  REQUIRE(sqlite.ok());
  Source source;
  source.filled = Fill(**sqlite, clock);
  source.rows = ReadAll(**sqlite, clock.Now());
  return source;
}

TEST_CASE("A SQLite store copied to PostgreSQL reads back the same, and new rows follow it",
          "[store][pg]") {
  const std::string conninfo = subkeeper::testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  testing::TempDir dir;
  ManualClock clock;
  const std::string path = dir.File("keeper.db");
  const Source source = MakeSource(path, clock);

  auto report = CopySqliteToPostgres(path, conninfo, clock);
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  std::map<std::string, int64_t> copied;
  for (const CopiedTable& t : report->tables) copied[t.table] = t.rows;
  CHECK(copied == std::map<std::string, int64_t>{{"subscriptions", 3},
                                                 {"history", 3},
                                                 {"events", 7},
                                                 {"meta", 1},
                                                 {"accounts", 2},
                                                 {"rate_blocks", 1},
                                                 {"condition_transitions", 2},
                                                 {"webhook_secrets", 2},
                                                 {"account_claims", 1},
                                                 {"event_streams", 2}});
  CHECK(report->tables.back().table == "event_streams");
  CHECK(report->tables.back().derived);
  CHECK(report->database == Scalar(conninfo, "SELECT current_database()"));

  auto opened = OpenPostgresStore(conninfo, clock);
  REQUIRE(opened.ok());
  Store& pg = **opened;
  auto read = ReadAll(pg, clock.Now());
  // Claims come over released, their epoch kept; everything else as it was.
  auto sqlite_claims = source.rows.at("claims");
  REQUIRE(sqlite_claims.size() == 1);
  CHECK(sqlite_claims[0] ==
        "main|subkeeper@old-host|2|" + Ms(clock.Now() + seconds(30)));  // live on SQLite
  CHECK(read.at("claims") == std::vector<std::string>{"main||2|0"});
  read.erase("claims");
  auto expected = source.rows;
  expected.erase("claims");
  for (const auto& [role, rows] : expected) {
    INFO(role);
    CHECK_FALSE(rows.empty());
    CHECK(read.at(role) == rows);
  }
  // The lease came along: another keeper cannot take it before it runs out.
  CHECK_FALSE(
      pg.TryAcquireLease("main", "sms", "subkeeper@new-host", clock.Now(), clock.Now() + minutes(1))
          .value());
  // The released claim goes to the first keeper that asks, with the next epoch.
  auto claimed =
      pg.TryClaimAccount("main", "subkeeper@new-host", clock.Now(), clock.Now() + seconds(30));
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  CHECK((*claimed)->epoch == 3);

  // A new event continues after the highest seq SQLite gave out, pruned or not, and its stream
  // row (locked by every insert) holds it.
  REQUIRE(pg.InsertEvents({Event("new-1", "main", "sms", 1'700'000'100'000)}).ok());
  CHECK(SeqOf(pg, "new-1") == source.filled.pruned_seq + 1);
  CHECK(Scalar(conninfo,
               "SELECT string_agg(account || '/' || name || '=' || last_seq, ' ' ORDER BY "
               "account, name) FROM event_streams") ==
        "main/sms=" + std::to_string(source.filled.pruned_seq + 1) +
            " other/voice=" + std::to_string(SeqOf(pg, "ev-3")));
  // A new history row takes the next id, and queues its own events once.
  HistoryEntry next = MakeHistory(clock.Now(), "main", "sms", HistoryKind::kUpdated, "a1b2c3", "");
  REQUIRE(pg.AppendHistory(next).ok());
  auto newest = pg.ListHistory({"", "", 1});
  REQUIRE(newest.ok());
  REQUIRE(newest->size() == 1);
  CHECK(newest->front().id == 4);
  CHECK(newest->front().kind == HistoryKind::kUpdated);
  CHECK(pg.ListHistory({"", "", 0}).value().size() == 4);
  CHECK(pg.ListEvents("", "", std::nullopt, 0).value().size() == 8);
}

TEST_CASE("Many rows and large bodies are copied in several statements, all of them",
          "[store][pg]") {
  const std::string conninfo = subkeeper::testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  testing::TempDir dir;
  ManualClock clock;
  const std::string path = dir.File("keeper.db");
  std::vector<std::string> before;
  {
    auto sqlite = OpenSqliteStore(path, clock);
    REQUIRE(sqlite.ok());
    // Far more values than one INSERT carries, and a body above the bytes one carries.
    std::vector<EventRecord> batch;
    for (int i = 0; i < 1000; ++i) {
      batch.push_back(Event("bulk-" + std::to_string(i), i % 2 ? "main" : "other", "sms", i + 1));
    }
    batch[500].body = std::string(size_t{5} << 20, '\x7f');
    REQUIRE((*sqlite)->InsertEvents(batch).ok());
    before = DumpAll((*sqlite)->ListEvents("", "", std::nullopt, 0));
  }
  auto report = CopySqliteToPostgres(path, conninfo, clock);
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  auto pg = OpenPostgresStore(conninfo, clock);
  REQUIRE(pg.ok());
  CHECK(DumpAll((*pg)->ListEvents("", "", std::nullopt, 0)) == before);
  CHECK(Scalar(conninfo, "SELECT count(*) FROM event_streams") == "2");
}

TEST_CASE("The copy names every table and column of both schemas, with matching types",
          "[store][pg]") {
  const std::string conninfo = subkeeper::testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  testing::TempDir dir;
  ManualClock clock;
  REQUIRE(OpenSqliteStore(dir.File("keeper.db"), clock).ok());
  REQUIRE(OpenPostgresStore(conninfo, clock).ok());
  SQLite::Database sqlite(dir.File("keeper.db"), SQLite::OPEN_READONLY);

  std::set<std::string> sqlite_tables;
  SQLite::Statement tables(sqlite,
                           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                           "'sqlite_%'");
  while (tables.executeStep()) sqlite_tables.insert(tables.getColumn(0).getString());
  std::set<std::string> copied;
  for (const copy::CopyTable& table : copy::CopiedTables()) copied.insert(table.name);
  CHECK(copied == sqlite_tables);
  std::set<std::string> pg_tables;
  for (const std::string& table : TargetTables()) pg_tables.insert(table);
  pg_tables.insert("subkeeper_schema");  // the migration runner's own
  std::string expected_pg_tables;
  for (const std::string& t : pg_tables) {
    expected_pg_tables += (expected_pg_tables.empty() ? "" : " ") + t;
  }
  CHECK(Scalar(conninfo,
               "SELECT string_agg(table_name, ' ' ORDER BY table_name COLLATE \"C\") FROM "
               "information_schema.tables WHERE table_schema = 'public'") == expected_pg_tables);

  for (const copy::CopyTable& table : copy::CopiedTables()) {
    INFO(table.name);
    std::map<std::string, std::string> sqlite_types;
    SQLite::Statement info(sqlite, std::string("PRAGMA table_info(") + table.name + ")");
    while (info.executeStep()) {
      sqlite_types[info.getColumn(1).getString()] = info.getColumn(2).getString();
    }
    std::map<std::string, std::string> pg_types;
    const std::string pg_columns = Scalar(
        conninfo,
        "SELECT string_agg(column_name || ':' || data_type, ' ') FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = '" +
            std::string(table.name) + "'");
    for (size_t at = 0; at < pg_columns.size();) {
      size_t end = pg_columns.find(' ', at);
      if (end == std::string::npos) end = pg_columns.size();
      const std::string item = pg_columns.substr(at, end - at);
      pg_types[item.substr(0, item.find(':'))] = item.substr(item.find(':') + 1);
      at = end + 1;
    }
    CHECK(table.columns.size() == sqlite_types.size());
    CHECK(table.columns.size() == pg_types.size());
    for (const copy::CopyColumn& column : table.columns) {
      INFO(column.name);
      const std::string lite = sqlite_types[column.name];
      const std::string pg = pg_types[column.name];
      switch (column.type) {
        case copy::ColumnType::kText:
          CHECK(lite == "TEXT");
          CHECK(pg == "text");
          break;
        case copy::ColumnType::kInteger:
          CHECK(lite == "INTEGER");
          CHECK((pg == "bigint" || pg == "integer"));
          break;
        case copy::ColumnType::kBoolean:
          CHECK(lite == "INTEGER");
          CHECK(pg == "boolean");
          break;
        case copy::ColumnType::kBytes:
          CHECK(lite == "BLOB");
          CHECK(pg == "bytea");
          break;
      }
    }
  }
}

TEST_CASE("A target with a row is refused, naming the table, and keeps what it had",
          "[store][pg]") {
  const std::string conninfo = subkeeper::testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  testing::TempDir dir;
  ManualClock clock;
  const std::string path = dir.File("keeper.db");
  MakeSource(path, clock);
  {
    auto target = OpenPostgresStore(conninfo, clock);
    REQUIRE(target.ok());
    for (const char* name : {"a", "b", "c"}) {
      REQUIRE((*target)->PutSubscription(conformance::Minimal(name), std::nullopt).ok());
    }
    REQUIRE((*target)->PutWebhookSecrets({Secret("target-secret")}).ok());
  }
  const std::string before = RowCounts(conninfo);

  auto report = CopySqliteToPostgres(path, conninfo, clock);
  CHECK(report.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(report.status().message(),
             Catch::Contains("target PostgreSQL database is not empty: table subscriptions has 3 "
                             "rows, table webhook_secrets has 1 row"));
  CHECK(RowCounts(conninfo) == before);
  auto target = OpenPostgresStore(conninfo, clock);
  REQUIRE(target.ok());
  CHECK(DumpAll((*target)->ListWebhookSecrets()) == std::vector<std::string>{"target-secret"});
  CHECK_FALSE((*target)->GetSubscription("main", "sms").value().has_value());
}

TEST_CASE("A copy that fails midway leaves the target without a row", "[store][pg]") {
  const std::string conninfo = subkeeper::testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  testing::TempDir dir;
  ManualClock clock;
  const std::string path = dir.File("keeper.db");
  MakeSource(path, clock);
  std::string failed_at;
  Status copied;

  SECTION("a value PostgreSQL refuses, in a table copied late") {
    // Invalid UTF-8, which SQLite keeps and PostgreSQL text refuses.
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE webhook_secrets SET secret = CAST(X'C328' AS TEXT) WHERE position = 1");
    copied = CopySqliteToPostgres(path, conninfo, clock).status();
    failed_at = "copy table webhook_secrets";
    CHECK(copied.code() == StatusCode::kInvalidArgument);
    // The server quotes the offending bytes; the message leaves them out.
    CHECK_THAT(copied.message(), !Catch::Contains("0xc3"));
  }
  SECTION("a text with a NUL byte, which PostgreSQL text cannot hold") {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE accounts SET last_error = CAST(X'610062' AS TEXT) WHERE account = 'other'");
    copied = CopySqliteToPostgres(path, conninfo, clock).status();
    failed_at = "accounts.last_error";
    CHECK(copied.code() == StatusCode::kInvalidArgument);
  }
  SECTION("a constraint of the target that the last rows break") {
    REQUIRE(OpenPostgresStore(conninfo, clock).ok());
    Scalar(conninfo, "ALTER TABLE webhook_secrets ADD CONSTRAINT refuse_all CHECK (position < 0)");
    copied = CopySqliteToPostgres(path, conninfo, clock).status();
    failed_at = "copy table webhook_secrets";
  }
  INFO(copied.ToString());
  CHECK_FALSE(copied.ok());
  CHECK_THAT(copied.message(), Catch::Contains(failed_at));
  CHECK_THAT(copied.message(), !Catch::Contains("webhook-secret"));
  CHECK(RowCounts(conninfo) == EmptyCounts());
  // A sequence is moved only once every row is in: the next event is seq 1.
  auto target = OpenPostgresStore(conninfo, clock);
  REQUIRE(target.ok());
  REQUIRE((*target)->InsertEvents({Event("after", "main", "sms", 1'000)}).ok());
  CHECK(SeqOf(**target, "after") == 1);
}

TEST_CASE("A missing or outdated SQLite file is refused before the target is touched",
          "[store][pg]") {
  const std::string conninfo = subkeeper::testing::RequireNewPgDatabase();
  if (conninfo.empty()) return;
  testing::TempDir dir;
  ManualClock clock;

  auto missing = CopySqliteToPostgres(dir.File("nothing.db"), conninfo, clock);
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(access(dir.File("nothing.db").c_str(), F_OK) != 0);  // not created either

  const std::string path = dir.File("old.db");
  REQUIRE(OpenSqliteStore(path, clock).ok());
  {
    SQLite::Database raw(path, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = " + std::to_string(LatestSchemaVersion() - 1));
  }
  auto outdated = CopySqliteToPostgres(path, conninfo, clock);
  CHECK(outdated.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(outdated.status().message(), Catch::Contains("older than this subkeeper's"));
  // Neither migrated the target: it has no subkeeper schema.
  CHECK(Scalar(conninfo, "SELECT to_regclass('subkeeper_schema') IS NULL") == "t");
}

TEST_CASE("An unreachable target is kUnavailable without the password", "[store][pg]") {
  testing::TempDir dir;
  ManualClock clock;
  const std::string path = dir.File("keeper.db");
  REQUIRE(OpenSqliteStore(path, clock).ok());
  auto copied = CopySqliteToPostgres(
      path, "host=/nonexistent/subkeeper dbname=keeper user=sk password=hunter2-secret", clock);
  CHECK(copied.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(copied.status().message(), Catch::Contains("keeper"));
  CHECK_THAT(copied.status().message(), !Catch::Contains("hunter2"));
}

}  // namespace
}  // namespace subkeeper::store
