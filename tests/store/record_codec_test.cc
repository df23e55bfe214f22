// The list columns of a subscription: what the fast decoder reads, what it leaves to the full
// JSON parser, and what is reported as data loss.
#include "store/record_codec.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "store/temp_dir.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

using testing::TempDir;

// A store on a file, plus a raw connection to write columns the store would never write.
class CodecFixture {
 public:
  CodecFixture() {
    auto store = OpenSqliteStore(dir_.File("codec.db"), clock_);
    REQUIRE(store.ok());
    store_ = std::move(store).value();
    SubscriptionRecord r;
    r.account = "main";
    r.name = "sms";
    REQUIRE(store_->PutSubscription(r, std::nullopt).ok());
    raw_ = std::make_unique<SQLite::Database>(dir_.File("codec.db"), SQLite::OPEN_READWRITE);
  }

  // Runs `sql` on the raw connection: writes what the store would never write.
  void Exec(const std::string& sql) { raw_->exec(sql); }

  void SetFilters(const std::string& json) {
    SQLite::Statement st(*raw_, "UPDATE subscriptions SET event_filters = ?");
    st.bind(1, json);
    REQUIRE(st.exec() == 1);
  }

  Store& store() { return *store_; }

 private:
  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SQLite::Database> raw_;
};

TEST_CASE("Lists with every escape round-trip", "[store]") {
  ManualClock clock;
  auto store = OpenSqliteStore(":memory:", clock).value();
  SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.event_filters = {"",
                     "plain",
                     "quote \" backslash \\ slash /",
                     "\b\f\n\r\t",
                     std::string("\x01 nul \0 end", 11),
                     "ünïcode ✓"};
  r.remote_filters = {};
  r.disabled_filters = {"[\"not\",\"nested\"]"};
  REQUIRE(store->PutSubscription(r, std::nullopt).ok());
  const auto all = store->ListSubscriptions().value();
  REQUIRE(all.size() == 1);
  CHECK(all[0].event_filters == r.event_filters);
  CHECK(all[0].remote_filters.empty());
  CHECK(all[0].disabled_filters == r.disabled_filters);
}

TEST_CASE("Lists written by other JSON writers are read by the full parser", "[store]") {
  CodecFixture db;
  db.SetFilters(R"([ "a" , "\u00e9\/" ])");
  CHECK(db.store().GetSubscription("main", "sms").value()->event_filters ==
        std::vector<std::string>{"a", "é/"});
}

TEST_CASE("A list column that is not a JSON array of strings is data loss", "[store]") {
  CodecFixture db;
  const std::string bad = GENERATE(as<std::string>{}, "", "[", "[\"a\"", "[\"a\",]", "[\"a\"]x",
                                   "[1]", "{\"a\":1}", "[\"a\\q\"]", "null");
  db.SetFilters(bad);
  INFO(bad);
  const auto got = db.store().GetSubscription("main", "sms");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(got.status().message(), Catch::Contains("event_filters"));
}

TEST_CASE("The reminder is stored as its filter string and read back typed", "[store]") {
  CHECK(EncodeReminder(subscription::ReminderSpec{60, 15}) ==
        "/restapi/v1.0/subscription/~?threshold=60&interval=15");
  CHECK(EncodeReminder(std::nullopt).empty());  // direct delivery
  CHECK(DecodeReminder("/restapi/v1.0/subscription/~?threshold=60&interval=15").value() ==
        subscription::ReminderSpec{60, 15});
  CHECK_FALSE(DecodeReminder("").value().has_value());
  auto bad = DecodeReminder("/restapi/v1.0/subscription/~?threshold=60");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kDataLoss);
}

TEST_CASE("A record's reminder round-trips through every read", "[store]") {
  ManualClock clock;
  auto store = OpenSqliteStore(":memory:", clock).value();
  SubscriptionRecord relayed;
  relayed.account = "main";
  relayed.name = "sms";
  relayed.reminder = subscription::ReminderSpec{86400, 3600};
  SubscriptionRecord direct = relayed;
  direct.name = "voice";
  direct.reminder.reset();
  REQUIRE(store->PutSubscription(relayed, std::nullopt).ok());
  REQUIRE(store->PutSubscription(direct, std::nullopt).ok());
  CHECK(store->GetSubscription("main", "sms").value()->reminder == relayed.reminder);
  CHECK_FALSE(store->GetSubscription("main", "voice").value()->reminder.has_value());
  auto heads = store->ListSubscriptionHeads(nullptr, 10).value();
  REQUIRE(heads.size() == 2);
  CHECK(heads[0].reminder == relayed.reminder);
  CHECK_FALSE(heads[1].reminder.has_value());
  auto states = store->ListSubscriptionStates().value();
  REQUIRE(states.size() == 2);
  CHECK(states[0].reminder == relayed.reminder);
  CHECK_FALSE(states[1].reminder.has_value());
}

TEST_CASE("An event kind or relay state this build does not know is data loss", "[store]") {
  CodecFixture db;
  EventRecord e;
  e.uuid = "u1";
  e.account = "main";
  e.name = "sms";
  REQUIRE(db.store().InsertEvents({e}).ok());
  const std::string column = GENERATE(as<std::string>{}, "kind", "relay_state");
  INFO(column);
  db.Exec("UPDATE events SET " + column + " = 'Bogus'");
  const auto got = db.store().ListEvents("", "", std::nullopt, 0);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(got.status().message(), Catch::Contains(column) && Catch::Contains("Bogus"));
}

TEST_CASE("A history kind this build does not know is data loss", "[store]") {
  CodecFixture db;
  HistoryEntry h;
  h.account = "main";
  h.name = "sms";
  h.kind = HistoryKind::kRenewed;
  REQUIRE(db.store().AppendHistory(h).ok());
  db.Exec("UPDATE history SET kind = 'Bogus'");
  const auto got = db.store().ListHistory({});
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == StatusCode::kDataLoss);
  CHECK_THAT(got.status().message(), Catch::Contains("kind") && Catch::Contains("Bogus"));
}

}  // namespace
}  // namespace subkeeper::store
