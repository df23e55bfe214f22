// Accounts over restarts: stored tokens are reused (a new process does not log in again), and a
// credential the platform rejects stops the account's calls instead of retrying a login on every
// renewal.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

// The accounts[] entry of /v1/subscriptions for `name` (null when absent).
json AccountView(Scenario& s, const std::string& name) {
  const json view = s.AdminGet("/v1/subscriptions").Json();
  if (!view.is_object() || !view.contains("accounts")) return nullptr;
  for (const auto& account : view["accounts"]) {
    if (account.value("name", "") == name) return account;
  }
  return nullptr;
}

TEST_CASE("a restarted keeper reuses the stored token instead of logging in", "[integration]") {
  Scenario s;
  REQUIRE_FALSE(s.WaitForActive(20s).empty());
  const json before = AccountView(s, "main");
  REQUIRE(before.is_object());
  CHECK(before.value("state", "") == "ready");
  CHECK(before["access_expires_at"].is_string());

  const int64_t seq = s.LastCallSeq();
  s.RestartKeeper();  // waits for the start-up reconcile (one list call)
  const CallSummary calls = Summarize(s.CallsAfter(seq));
  INFO("calls after the restart:\n" << calls.text);
  CHECK(calls.list == 1);
  CHECK(calls.token == 0);

  // The token is in the database file, which nobody else may read.
  SQLite::Database db(s.db_path(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM accounts WHERE access_token != ''").getInt() == 1);
}

TEST_CASE("a rejected credential marks the account auth_failed and stops its calls",
          "[integration]") {
  Scenario s;
  REQUIRE_FALSE(s.WaitForActive(20s).empty());
  s.KillKeeper();
  {
    // As after a credential change: no stored token, so the next process must log in.
    SQLite::Database db(s.db_path(), SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM accounts");
  }
  REQUIRE(
      s.EmulatorPost("/_emulator/revoke-jwt", {{"assertion", "scenario-jwt-assertion"}}).status ==
      200);
  const int64_t seq = s.LastCallSeq();
  s.StartKeeper();

  json account;
  REQUIRE(WaitFor(
      [&] {
        account = AccountView(s, "main");
        return account.is_object() && account.value("state", "") == "auth_failed";
      },
      15s));
  CHECK(account.value("auth_failures", 0) >= 1);
  CHECK(account["next_login_at"].is_string());
  REQUIRE(account["last_error"].is_string());
  CHECK(account["last_error"].get<std::string>().find("scenario-jwt-assertion") ==
        std::string::npos);

  // The subscription's next renewal (its lifetime is 12 s) is refused locally: no second login
  // inside the back-off, and no subscription call without a token.
  std::optional<json> view;
  REQUIRE(WaitFor(
      [&] {
        view = s.View();
        return view && view->value("failures", 0) >= 1;
      },
      20s));
  INFO("renewal error: " << view->value("last_error", json()).dump());
  CHECK(view->value("last_error", json()).dump().find("account 'main'") != std::string::npos);
  const CallSummary calls = Summarize(s.CallsAfter(seq));
  INFO("calls after the restart:\n" << calls.text);
  CHECK(calls.token == 1);
  CHECK(calls.subscription.empty());
}

}  // namespace
}  // namespace subkeeper::testing
