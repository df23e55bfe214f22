// Start-up cost with many records: ListSubscriptions against a plain sqlite3 scan of the same
// table, and one schedule page. Prints figures, asserts no time (hidden: run with "[.perf]").
// SUBKEEPER_PERF_DB=path keeps the database there instead of a temporary directory.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <ostream>

#include "store/record_codec.h"
#include "store/temp_dir.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

constexpr int kRecords = 100'000;

// A record as the keeper writes it: filters, remote state, timers.
SubscriptionRecord Realistic(int i) {
  SubscriptionRecord r;
  r.account = "acc" + std::to_string(i % 1000);
  r.name = "sub" + std::to_string(i);
  r.event_filters = {"/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
                     "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"};
  r.expires_in_s = 604800;
  r.reminder = subscription::ReminderSpec{86400, 3600};
  r.address = "https://hooks.example.com/webhooks/" + r.account + "/" + r.name;
  r.deliver_to = "http://app:3000/ringcentral/events";
  r.token_fingerprint = "sha256:9f86d081884c7d659a2feaa0c55ad015";
  r.remote_id = "c7f7d5b4-0b1e-4a3c-9d1f-" + std::to_string(100000000000 + i);
  r.status = subkeeper::platform::RemoteStatus::Of("Active");
  r.remote_filters = {"/restapi/v1.0/account/37439510/extension/" + std::to_string(i) +
                          "/message-store/instant?type=SMS",
                      "/restapi/v1.0/account/37439510/extension/" + std::to_string(i) +
                          "/presence?detailedTelephonyState=true",
                      "/restapi/v1.0/subscription/~?threshold=86400&interval=3600"};
  r.granted_ttl_s = 604799;
  r.remote_created_at = FromUnixMillis(1'700'000'000'000 + i);
  r.expires_at = FromUnixMillis(1'700'604'800'000 + i);
  r.next_renewal_at = FromUnixMillis(1'700'518'400'000 + (i * 7919) % 86'400'000);
  r.last_renewed_at = FromUnixMillis(1'700'000'000'000 + i);
  r.last_trigger = subscription::RenewedBy::kReminder;
  return r;
}

// Bulk load through the store's own codec in one transaction (Put syncs once per record).
void Fill(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  SQLite::Transaction tx(db);
  SQLite::Statement st(db, SubscriptionUpsertSql());
  for (int i = 0; i < kRecords; ++i) {
    st.reset();
    REQUIRE(BindSubscription(st, Realistic(i), 1).ok());
    st.exec();
  }
  tx.commit();
}

// Wall time of `fn`, and the CPU time it used in this process and in the children it waited for:
// the machine may be shared, and CPU time is the steadier figure.
struct Cost {
  double wall_ms = 0;
  double cpu_ms = 0;
};

double CpuMillis() {
  rusage self{}, children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(self.ru_utime) + ms(self.ru_stime) + ms(children.ru_utime) + ms(children.ru_stime);
}

template <typename Fn>
Cost Measure(Fn&& fn) {
  const double cpu = CpuMillis();
  const auto start = std::chrono::steady_clock::now();
  fn();
  const auto wall = std::chrono::steady_clock::now() - start;
  return {std::chrono::duration<double, std::milli>(wall).count(), CpuMillis() - cpu};
}

std::ostream& operator<<(std::ostream& out, const Cost& c) {
  return out << c.wall_ms << " ms (cpu " << c.cpu_ms << " ms)";
}

TEST_CASE("Start-up reads of 100k records", "[.perf]") {
  testing::TempDir dir;
  const char* keep = std::getenv("SUBKEEPER_PERF_DB");
  const std::string path = keep ? keep : dir.File("perf.db");
  ManualClock clock;
  auto store = OpenSqliteStore(path, clock);
  REQUIRE(store.ok());
  if ((*store)->ListSchedule(std::nullopt, 1).value().empty()) Fill(path);

  const std::string scan_command = "sqlite3 " + path + " 'select * from subscriptions' >/dev/null";
  for (int run = 0; run < 3; ++run) {
    std::vector<ScheduleEntry> page;
    const Cost first = Measure([&] { page = (*store)->ListSchedule(std::nullopt, 64).value(); });
    REQUIRE(page.size() == 64);
    // A cursor near the end of the schedule: the same cost as the first page.
    const ScheduleEntry late{"", "", page.back().next_renewal_at + std::chrono::hours(23)};
    const Cost deep = Measure([&] { page = (*store)->ListSchedule(late, 64).value(); });
    CHECK(page.size() == 64);
    // Destroying the records is not part of the cost: the keeper keeps them.
    std::vector<SubscriptionRecord> records;
    const Cost list = Measure([&] { records = (*store)->ListSubscriptions().value(); });
    CHECK(records.size() == kRecords);
    const Cost scan = Measure([&] { CHECK(std::system(scan_command.c_str()) == 0); });
    std::cout << "ListSubscriptions " << list << ", sqlite3 scan " << scan << ", cpu ratio "
              << list.cpu_ms / scan.cpu_ms << "; ListSchedule first page " << first
              << ", page 23 h later " << deep << "\n";
  }
}

}  // namespace
}  // namespace subkeeper::store
