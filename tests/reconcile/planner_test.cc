#include "subkeeper/reconcile/planner.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "subkeeper/subscription/delivery.h"

namespace Catch {
template <>
struct StringMaker<subkeeper::reconcile::Action> {
  static std::string convert(const subkeeper::reconcile::Action& a) {
    std::ostringstream out;
    out << "{" << subkeeper::reconcile::ActionKindName(a.kind) << " " << a.account << "/" << a.name
        << " '" << a.remote_id << "' (" << a.reason << ")}";
    return out.str();
  }
};
}  // namespace Catch

namespace subkeeper::reconcile {
namespace {

using platform::RemoteSubscription;
using store::SubscriptionRecord;
using K = ActionKind;

const std::string kPublic = "https://hooks.example.com";
const std::string kPresence = "/restapi/v1.0/account/~/extension/~/presence";
const std::string kPresenceRewritten = "/restapi/v1.0/account/37439510/extension/2389034/presence";
const std::string kSessions = "/restapi/v1.0/account/~/telephony/sessions";
const std::string kSessionsRewritten = "/restapi/v1.0/account/37439510/telephony/sessions";
const std::string kReminder = "/restapi/v1.0/subscription/~?threshold=60&interval=15";
const WallTime kNow = WallTime(std::chrono::seconds(1'700'000'000));

SubscriptionRecord Relay(const std::string& name) {
  SubscriptionRecord r;
  r.account = "main";
  r.name = name;
  r.event_filters = {kPresence};
  r.expires_in_s = 300;
  r.reminder = subscription::ParseReminderFilter(kReminder);
  r.address = kPublic + "/webhooks/main/" + name;
  r.deliver_to = "http://app:3000/events";
  r.token_fingerprint = "fp-1";
  return r;
}

SubscriptionRecord Direct(const std::string& name) {
  SubscriptionRecord r;
  r.account = "main";
  r.name = name;
  r.event_filters = {kPresence};
  r.expires_in_s = 300;
  r.address = "https://app.example.com/hooks/" + name;
  return r;
}

// What the store holds after a successful create of `desired` as `id`.
SubscriptionRecord Known(const SubscriptionRecord& desired, const std::string& id) {
  SubscriptionRecord r = desired;
  r.remote_id = id;
  r.status = subkeeper::platform::RemoteStatus::Of("Active");
  r.expires_at = kNow + std::chrono::seconds(300);
  r.next_renewal_at = kNow + std::chrono::seconds(200);
  return r;
}

// What the platform lists for `desired` created as `id`: `~` rewritten, the reminder verbatim.
RemoteSubscription Remote(const SubscriptionRecord& desired, const std::string& id) {
  RemoteSubscription r;
  r.id = id;
  r.status = subkeeper::platform::RemoteStatus::Of("Active");
  for (const auto& f : desired.event_filters) {
    r.event_filters.push_back(f == kPresence ? kPresenceRewritten : f);
  }
  r.event_filters = subscription::PlatformFilters(r.event_filters, desired.reminder);
  r.transport_type = "WebHook";
  r.address = desired.address;
  r.expiration_time = kNow + std::chrono::seconds(250);
  r.expires_in_s = 250;
  return r;
}

PlanInput Input(std::vector<SubscriptionRecord> desired, std::vector<SubscriptionRecord> known,
                std::vector<RemoteSubscription> observed) {
  PlanInput in;
  in.desired = std::move(desired);
  in.known = std::move(known);
  in.observed["main"] = std::move(observed);
  in.public_url = kPublic;
  in.now = kNow;
  return in;
}

// The common case: `sms` configured, stored as sub-1 and listed by the platform.
PlanInput Healthy(SubscriptionRecord desired = Relay("sms")) {
  return Input({desired}, {Known(desired, "sub-1")}, {Remote(desired, "sub-1")});
}

struct Row {
  std::string title;
  std::function<PlanInput()> input;
  std::vector<Action> expected;
  std::vector<std::string> unavailable = {};
};

std::vector<Row> Table() {
  return {
      {"healthy relay subscription: no action", [] { return Healthy(); }, {}},
      {"healthy direct subscription: no action", [] { return Healthy(Direct("app")); }, {}},
      {"filters returned verbatim: no action",
       [] {
         auto in = Healthy();
         in.observed["main"][0].event_filters = {kPresence, kReminder};
         return in;
       },
       {}},
      {"~ rewritten to ids and filters reordered: no action",
       [] {
         auto d = Relay("sms");
         d.event_filters = {kPresence, kSessions};
         auto in = Healthy(d);
         in.observed["main"][0].event_filters = {kReminder, kSessionsRewritten, kPresenceRewritten};
         return in;
       },
       {}},
      {"reminder filter returned verbatim with ~: no action",
       [] {
         auto in = Healthy();
         REQUIRE(in.observed["main"][0].event_filters.back() == kReminder);
         return in;
       },
       {}},
      {"filter added in the config: update",
       [] {
         auto in = Healthy();
         in.desired[0].event_filters.push_back(kSessions);
         return in;
       },
       {{K::kUpdate, "main", "sms", "sub-1", "filters changed: +" + kSessions}}},
      {"filter removed from the config: update",
       [] {
         auto in = Healthy();
         in.observed["main"][0].event_filters.push_back(kSessionsRewritten);
         return in;
       },
       {{K::kUpdate, "main", "sms", "sub-1", "filters changed: -" + kSessionsRewritten}}},
      {"lifetime changed: update",
       [] {
         auto in = Healthy();
         in.known[0].expires_in_s = 120;
         return in;
       },
       {{K::kUpdate, "main", "sms", "sub-1", "lifetime 120s \u2192 300s"}}},
      {"address changed (new public_url): recreate",
       [] {
         auto in = Healthy();
         in.public_url = "https://new.example.com";
         in.desired[0].address = "https://new.example.com/webhooks/main/sms";
         return in;
       },
       {{K::kRecreate, "main", "sms", "sub-1",
         "address changed: " + kPublic +
             "/webhooks/main/sms \u2192 "
             "https://new.example.com/webhooks/main/sms"}}},
      {"token fingerprint changed: recreate",
       [] {
         auto in = Healthy();
         in.desired[0].token_fingerprint = "fp-2";
         return in;
       },
       {{K::kRecreate, "main", "sms", "sub-1",
         "verification token changed (webhook secret rotated)"}}},
      {"unknown stored token fingerprint: no action",
       [] {
         auto in = Healthy();
         in.known[0].token_fingerprint.clear();
         return in;
       },
       {}},
      {"blacklisted: recreate",
       [] {
         auto in = Healthy();
         in.observed["main"][0].status = subkeeper::platform::RemoteStatus::Of("Blacklisted");
         return in;
       },
       {{K::kRecreate, "main", "sms", "sub-1", "status Blacklisted"}}},
      {"unknown status Suspended: recreate",
       [] {
         auto in = Healthy();
         in.observed["main"][0].status = subkeeper::platform::RemoteStatus::Of("Suspended");
         return in;
       },
       {{K::kRecreate, "main", "sms", "sub-1", "status Suspended"}}},
      {"purged by the platform: create",
       [] { return Input({Relay("sms")}, {Known(Relay("sms"), "sub-1")}, {}); },
       {{K::kCreate, "main", "sms", "", "missing on the platform"}}},
      {"fresh subscription: create",
       [] { return Input({Relay("sms")}, {}, {}); },
       {{K::kCreate, "main", "sms", "", "new subscription"}}},
      {"store lost, relay listed at its exact address: adopt",
       [] { return Input({Relay("sms")}, {}, {Remote(Relay("sms"), "sub-7")}); },
       {{K::kAdopt, "main", "sms", "sub-7", "matched by address"}}},
      {"owned address with a trailing slash: not adopted, pruned",
       [] {
         auto remote = Remote(Relay("sms"), "sub-7");
         remote.address += "/";
         return Input({Relay("sms")}, {}, {remote});
       },
       // Sorted by name: the orphan, which no config entry names, comes first.
       {{K::kDelete, "main", "", "sub-7", "not in the config (owned address)"},
        {K::kCreate, "main", "sms", "", "new subscription"}}},
      {"owned address of another name: not adopted, pruned",
       [] { return Input({Relay("sms")}, {}, {Remote(Relay("sms2"), "sub-7")}); },
       // Sorted by name: the orphan, which no config entry names, comes first.
       {{K::kDelete, "main", "", "sub-7", "not in the config (owned address)"},
        {K::kCreate, "main", "sms", "", "new subscription"}}},
      {"store lost, direct listed with address and filters: adopt",
       [] { return Input({Direct("app")}, {}, {Remote(Direct("app"), "sub-7")}); },
       {{K::kAdopt, "main", "app", "sub-7", "matched by address and filters"}}},
      {"direct at the address with other filters: not adopted, not touched",
       [] {
         auto remote = Remote(Direct("app"), "sub-7");
         remote.event_filters = {kSessionsRewritten};
         return Input({Direct("app")}, {}, {remote});
       },
       {{K::kCreate, "main", "app", "", "new subscription"}}},
      {"adopted relay with other filters: adopt then update",
       [] {
         auto remote = Remote(Relay("sms"), "sub-7");
         remote.event_filters = {kSessionsRewritten, kReminder};
         return Input({Relay("sms")}, {}, {remote});
       },
       {{K::kAdopt, "main", "sms", "sub-7", "matched by address"},
        {K::kUpdate, "main", "sms", "sub-7",
         "filters changed: +" + kPresence + " -" + kSessionsRewritten}}},
      {"adopted relay that is blacklisted: adopt then recreate",
       [] {
         auto remote = Remote(Relay("sms"), "sub-7");
         remote.status = subkeeper::platform::RemoteStatus::Of("Blacklisted");
         return Input({Relay("sms")}, {}, {remote});
       },
       {{K::kAdopt, "main", "sms", "sub-7", "matched by address"},
        {K::kRecreate, "main", "sms", "sub-7", "status Blacklisted"}}},
      {"owned subscription no config entry names: delete",
       [] {
         auto in = Healthy();
         in.observed["main"].push_back(Remote(Relay("old"), "sub-9"));
         return in;
       },
       {{K::kDelete, "main", "", "sub-9", "not in the config (owned address)"}}},
      {"owned address of another configured account: not pruned here",
       [] {
         auto in = Healthy();
         auto theirs = Relay("sms");
         theirs.address = kPublic + "/webhooks/other/sms";
         in.observed["main"].push_back(Remote(theirs, "sub-o"));
         return in;
       },
       {}},
      {"unowned subscription with identical filters: never touched",
       [] {
         auto in = Healthy();
         auto foreign = Remote(Relay("sms"), "sub-x");
         foreign.address = "https://other.example.com/webhooks/main/sms";
         in.observed["main"].push_back(foreign);
         return in;
       },
       {}},
      {"unowned subscription while creating: never adopted nor touched",
       [] {
         auto foreign = Remote(Relay("sms"), "sub-x");
         foreign.address = "https://other.example.com/hook";
         return Input({Relay("sms")}, {}, {foreign});
       },
       {{K::kCreate, "main", "sms", "", "new subscription"}}},
      {"record removed from the config: forget",
       [] { return Input({}, {Known(Relay("sms"), "sub-1")}, {Remote(Relay("sms"), "sub-1")}); },
       {{K::kForget, "main", "sms", "sub-1", "removed from the config"}}},
      {"direct record removed from the config: forget",
       [] { return Input({}, {Known(Direct("app"), "sub-1")}, {Remote(Direct("app"), "sub-1")}); },
       {{K::kForget, "main", "app", "sub-1", "removed from the config"}}},
      {"removed record already gone from the platform: forget the record only",
       [] { return Input({}, {Known(Relay("sms"), "sub-1")}, {}); },
       {{K::kForget, "main", "sms", "", "removed from the config"}}},
      {"removed record with another subscription at its address: forget and delete",
       [] { return Input({}, {Known(Relay("sms"), "sub-1")}, {Remote(Relay("sms"), "sub-2")}); },
       {{K::kDelete, "main", "sms", "sub-2", "not in the config (owned address)"},
        {K::kForget, "main", "sms", "", "removed from the config"}}},
      {"known subscription purged, a stray at its address: create and delete the stray",
       [] {
         return Input({Relay("sms")}, {Known(Relay("sms"), "sub-1")},
                      {Remote(Relay("sms"), "sub-2")});
       },
       {{K::kCreate, "main", "sms", "", "missing on the platform"},
        {K::kDelete, "main", "sms", "sub-2", "duplicate at the same address"}}},
      {"duplicate at the address of a known subscription: delete the extra one",
       [] {
         auto in = Healthy();
         in.observed["main"].push_back(Remote(Relay("sms"), "sub-2"));
         return in;
       },
       {{K::kDelete, "main", "sms", "sub-2", "duplicate of sub-1 at the same address"}}},
      {"duplicates when adopting: keep the Active one",
       [] {
         auto dead = Remote(Relay("sms"), "sub-a");
         dead.status = subkeeper::platform::RemoteStatus::Of("Blacklisted");
         dead.expiration_time += std::chrono::hours(1);
         return Input({Relay("sms")}, {}, {dead, Remote(Relay("sms"), "sub-b")});
       },
       {{K::kAdopt, "main", "sms", "sub-b", "matched by address"},
        {K::kDelete, "main", "sms", "sub-a", "duplicate of sub-b at the same address"}}},
      {"duplicates when adopting: keep the longest-lived",
       [] {
         auto longer = Remote(Relay("sms"), "sub-b");
         longer.expiration_time += std::chrono::seconds(30);
         return Input({Relay("sms")}, {}, {Remote(Relay("sms"), "sub-a"), longer});
       },
       {{K::kAdopt, "main", "sms", "sub-b", "matched by address"},
        {K::kDelete, "main", "sms", "sub-a", "duplicate of sub-b at the same address"}}},
      {"list call failed: nothing planned, account unavailable",
       [] {
         auto in = Healthy();
         in.desired.push_back(Relay("fresh"));
         in.observed.clear();
         return in;
       },
       {},
       {"main"}},
      {"fallback timer due: renew",
       [] {
         auto in = Healthy();
         in.known[0].next_renewal_at = kNow - std::chrono::seconds(1);
         return in;
       },
       {{K::kRenew, "main", "sms", "sub-1", "renewal due"}}},
      {"expiry passed while still listed: renew",
       [] {
         auto in = Healthy();
         in.observed["main"][0].expiration_time = kNow;
         return in;
       },
       {{K::kRenew, "main", "sms", "sub-1", "renewal due"}}},
  };
}

TEST_CASE("MakePlan decides each row of the planner table", "[planner]") {
  for (const auto& row : Table()) {
    INFO(row.title);
    const Plan plan = MakePlan(row.input());
    CHECK(plan.actions == row.expected);
    CHECK(plan.unavailable_accounts == row.unavailable);
    CHECK(plan.has_changes() == !row.expected.empty());
  }
}

TEST_CASE("MakePlan of a healthy plan stays empty after a renewal", "[planner]") {
  // No update loops: what the executor stores after a renew is again a no-op.
  auto in = Healthy();
  in.known[0].next_renewal_at = kNow + std::chrono::seconds(200);
  in.observed["main"][0].expiration_time = kNow + std::chrono::seconds(300);
  in.now = kNow + std::chrono::seconds(100);
  CHECK_FALSE(MakePlan(in).has_changes());
}

TEST_CASE("MakePlan plans other accounts when one list call failed", "[planner]") {
  auto in = Input({Relay("sms")}, {}, {});
  auto other = Relay("sms");
  other.account = "other";
  in.desired.push_back(other);
  const Plan plan = MakePlan(in);
  CHECK(plan.unavailable_accounts == std::vector<std::string>{"other"});
  CHECK(plan.actions == std::vector<Action>{{K::kCreate, "main", "sms", "", "new subscription"}});
}

PlanInput Busy() {
  auto a = Relay("a"), b = Relay("b"), c = Direct("c"), d = Relay("d");
  b.event_filters.push_back(kSessions);
  auto in = Input({a, b, c, d, Relay("e")},
                  {Known(a, "id-a"), Known(b, "id-b"), Known(Relay("gone"), "id-g")},
                  {Remote(a, "id-a"), Remote(Relay("b"), "id-b"), Remote(a, "id-a2"),
                   Remote(c, "id-c"), Remote(d, "id-d1"), Remote(d, "id-d2"),
                   Remote(Relay("gone"), "id-g"), Remote(Relay("zz"), "id-z")});
  in.known[0].next_renewal_at = kNow;
  auto x = Relay("x");
  x.account = "beta";
  in.desired.push_back(x);
  auto y = Relay("y");
  y.address = kPublic + "/webhooks/beta/y";
  in.observed["beta"] = {Remote(y, "id-y"), Remote(a, "id-a")};
  return in;
}

TEST_CASE("MakePlan is deterministic whatever the input order", "[planner]") {
  const Plan expected = MakePlan(Busy());
  REQUIRE(expected.actions.size() >= 8);
  std::mt19937 rng(42);
  for (int i = 0; i < 25; ++i) {
    PlanInput in = Busy();
    std::shuffle(in.desired.begin(), in.desired.end(), rng);
    std::shuffle(in.known.begin(), in.known.end(), rng);
    for (auto& [account, remotes] : in.observed) std::shuffle(remotes.begin(), remotes.end(), rng);
    CHECK(MakePlan(in).actions == expected.actions);
  }
  for (size_t i = 1; i < expected.actions.size(); ++i) {
    const auto& p = expected.actions[i - 1];
    const auto& q = expected.actions[i];
    CHECK(std::tie(p.account, p.name, p.kind, p.remote_id) <
          std::tie(q.account, q.name, q.kind, q.remote_id));
  }
}

TEST_CASE("FormatPlan of an empty plan is exactly 'No changes.'", "[planner]") {
  CHECK(FormatPlan(Plan{}) == "No changes.");
  CHECK(FormatPlan(MakePlan(Healthy())) == "No changes.");
}

TEST_CASE("FormatPlan prints one line per action and a summary", "[planner]") {
  Plan plan;
  plan.actions = {{K::kCreate, "main", "sms", "", "missing on the platform"},
                  {K::kUpdate, "main", "sms2", "sub-1", "filters changed: +/a -/b"},
                  {K::kDelete, "main", "", "sub-9", "not in the config (owned address)"}};
  CHECK(FormatPlan(plan) ==
        "  + create   main/sms  (missing on the platform)\n"
        "  ~ update   main/sms2  sub-1 (filters changed: +/a -/b)\n"
        "  - delete   main/(orphan)  sub-9 (not in the config (owned address))\n"
        "Plan: 1 to create, 1 to update, 1 to delete.");
  plan.actions.push_back({K::kRecreate, "main", "x", "sub-2", "status Blacklisted"});
  CHECK_THAT(FormatPlan(plan), Catch::Contains("  ! recreate main/x  sub-2 (status Blacklisted)"));
}

TEST_CASE("FormatPlan warns about accounts that could not be listed", "[planner]") {
  Plan plan;
  plan.unavailable_accounts = {"main", "other"};
  const std::string text = FormatPlan(plan);
  CHECK(text ==
        "Error: account main could not be observed; nothing planned for it.\n"
        "Error: account other could not be observed; nothing planned for it.\n"
        "Plan incomplete: 2 account(s) not observed.");
  CHECK(text.find("No changes") == std::string::npos);
  plan.actions.push_back({K::kCreate, "third", "sms", "", "missing on the platform"});
  CHECK_THAT(FormatPlan(plan), Catch::Contains("  + create   third/sms  (missing on the platform)\n"
                                               "Plan: 1 to create.\n"
                                               "Plan incomplete: 2 account(s) not observed."));
}

TEST_CASE("PlanJson has the documented shape", "[planner]") {
  Plan plan;
  plan.actions = {{K::kAdopt, "main", "sms", "sub-7", "matched by address"}};
  plan.unavailable_accounts = {"other"};
  const auto doc = nlohmann::json::parse(PlanJson(plan));
  CHECK(doc.at("changes") == true);
  REQUIRE(doc.at("actions").size() == 1);
  const auto& action = doc.at("actions")[0];
  CHECK(action.at("action") == "adopt");
  CHECK(action.at("account") == "main");
  CHECK(action.at("name") == "sms");
  CHECK(action.at("remote_id") == "sub-7");
  CHECK(action.at("reason") == "matched by address");
  CHECK(doc.at("unavailable_accounts") == nlohmann::json::array({"other"}));
  CHECK(doc.at("complete") == false);
  const auto empty = nlohmann::json::parse(PlanJson(Plan{}));
  CHECK(empty.at("changes") == false);
  CHECK(empty.at("actions").empty());
  CHECK(empty.at("unavailable_accounts").empty());
  CHECK(empty.at("complete") == true);
}

TEST_CASE("PlanJson never throws on invalid UTF-8 from a config", "[planner]") {
  Plan plan;
  plan.actions = {{K::kCreate, "main", "bad\xff", "", "new subscription"}};
  CHECK(nlohmann::json::parse(PlanJson(plan)).at("actions")[0].at("name") == "bad\uFFFD");
}

TEST_CASE("ActionKindName names every kind", "[planner]") {
  CHECK(std::string(ActionKindName(K::kCreate)) == "create");
  CHECK(std::string(ActionKindName(K::kRecreate)) == "recreate");
  CHECK(std::string(ActionKindName(K::kForget)) == "forget");
}

}  // namespace
}  // namespace subkeeper::reconcile
