// The read-side helpers of the Scenario fixture: what the keeper, the emulator and the keeper's
// database currently say. None of them waits; tests poll them through WaitFor.
#include <algorithm>
#include <catch2/catch.hpp>

#include "subkeeper/common/clock.h"
#include "subkeeper/store/postgres_store.h"
#include "subkeeper/store/sqlite_store.h"
#include "support/scenario.h"

namespace subkeeper::testing {
namespace {

std::vector<json> ArrayField(const HttpReply& reply, const char* field) {
  if (reply.status != 200) return {};
  json parsed = reply.Json();
  if (!parsed.is_object() || !parsed.contains(field) || !parsed[field].is_array()) return {};
  return parsed[field].get<std::vector<json>>();
}

std::unique_ptr<store::Store> OpenReadSide(const std::string& path, const std::string& postgres) {
  static const SystemClock clock;
  auto opened = postgres.empty()
                    ? store::OpenSqliteStore(path, clock)
                    : store::OpenPostgresStore(postgres, clock, store::OpenMode::kReadOnly);
  INFO("opening the keeper's database " << (postgres.empty() ? path : "(PostgreSQL)") << ": "
                                        << opened.status().ToString());
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

}  // namespace

std::optional<json> Scenario::View() {
  for (const auto& sub : ArrayField(AdminGet("/v1/subscriptions"), "subscriptions")) {
    if (sub.value("account", "") == options_.account &&
        sub.value("name", "") == options_.subscription) {
      return sub;
    }
  }
  return std::nullopt;
}

std::optional<json> Scenario::Condition(const std::string& type) {
  auto view = View();
  if (!view || !view->contains("conditions") || !(*view)["conditions"].is_array()) {
    return std::nullopt;
  }
  for (const auto& c : (*view)["conditions"]) {
    if (c.value("type", "") == type) return c;
  }
  return std::nullopt;
}

std::string Scenario::WaitForActive(std::chrono::milliseconds timeout, const std::string& not_id) {
  return WaitForActiveOf(options_.subscription, timeout, not_id);
}

std::string Scenario::WaitForActiveOf(const std::string& name, std::chrono::milliseconds timeout,
                                      const std::string& not_id) {
  std::string id;
  WaitFor(
      [&] {
        auto view = ViewOf(name);
        if (!view || !(*view)["remote_id"].is_string() || !(*view)["status"].is_string()) {
          return false;
        }
        const auto remote_id = (*view)["remote_id"].get<std::string>();
        if ((*view)["status"] != "Active" || remote_id == not_id) return false;
        id = remote_id;
        return true;
      },
      timeout);
  return id;
}

std::vector<json> Scenario::EmulatorRecords() {
  return ArrayField(EmulatorGet("/_emulator/subscriptions"), "records");
}

std::vector<json> Scenario::RecordsForAddress() {
  std::vector<json> out;
  for (const auto& r : EmulatorRecords()) {
    if (r.contains("deliveryMode") && r["deliveryMode"].value("address", "") == address()) {
      out.push_back(r);
    }
  }
  return out;
}

std::optional<json> Scenario::EmulatorRecord(const std::string& id) {
  for (const auto& r : EmulatorRecords()) {
    if (r.value("id", "") == id) return r;
  }
  return std::nullopt;
}

std::vector<json> Scenario::Calls() { return ArrayField(EmulatorGet("/_emulator/calls"), "calls"); }

std::vector<json> Scenario::Deliveries() {
  return ArrayField(EmulatorGet("/_emulator/deliveries"), "deliveries");
}

int Scenario::CountCalls(const std::string& method, const std::string& path, int status) {
  int n = 0;
  for (const auto& call : Calls()) {
    std::string call_path = call.value("path", "");
    call_path = call_path.substr(0, call_path.find('?'));
    if (call.value("method", "") == method && call_path == path &&
        (status == 0 || call.value("status", 0) == status)) {
      ++n;
    }
  }
  return n;
}

std::vector<store::EventRecord> Scenario::Events() {
  auto events = OpenReadSide(db_path(), options_.postgres)
                    ->ListEvents(options_.account, options_.subscription, std::nullopt, 1000);
  INFO("listing events: " << events.status().ToString());
  REQUIRE(events.ok());
  return std::move(events).value();
}

std::vector<store::HistoryEntry> Scenario::History() {
  store::HistoryQuery query;
  query.account = options_.account;
  query.name = options_.subscription;
  auto history = OpenReadSide(db_path(), options_.postgres)->ListHistory(query);
  INFO("listing history: " << history.status().ToString());
  REQUIRE(history.ok());
  return std::move(history).value();
}

bool Scenario::HistoryHas(const std::string& kind) {
  for (const auto& entry : History()) {
    if (store::HistoryKindText(entry.kind) == kind) return true;
  }
  return false;
}

std::vector<store::HistoryEntry> Scenario::HistoryOf(const std::string& name) {
  store::HistoryQuery query;
  query.account = options_.account;
  query.name = name;
  auto history = OpenReadSide(db_path(), options_.postgres)->ListHistory(query);
  INFO("listing history: " << history.status().ToString());
  REQUIRE(history.ok());
  return std::move(history).value();
}

json Scenario::ConfigState() {
  const auto reply = AdminGet("/v1/subscriptions");
  if (reply.status != 200) return nullptr;
  json parsed = reply.Json();
  if (!parsed.is_object() || !parsed.contains("config")) return nullptr;
  return parsed["config"];
}

json Scenario::WaitForReload(const json& before, std::chrono::milliseconds timeout) {
  const int64_t generation = before.value("generation", int64_t{0});
  const std::string last = before.value("last_reconcile", "");
  json state;
  const bool reloaded = WaitFor(
      [&] {
        state = ConfigState();
        if (!state.is_object()) return false;
        const std::string now_last = state.value("last_reconcile", "");
        return state.value("generation", int64_t{0}) > generation && now_last != last &&
               now_last.find("(reload)") != std::string::npos;
      },
      timeout);
  return reloaded ? state : json(nullptr);
}

std::optional<json> Scenario::ViewOf(const std::string& name) {
  for (const auto& sub : ArrayField(AdminGet("/v1/subscriptions"), "subscriptions")) {
    if (sub.value("account", "") == options_.account && sub.value("name", "") == name) return sub;
  }
  return std::nullopt;
}

std::string Scenario::AddressOf(const std::string& name) const {
  return public_url_ + "/webhooks/" + options_.account + "/" + name;
}

std::vector<json> Scenario::RecordsAt(const std::string& address) {
  std::vector<json> out;
  for (const auto& r : EmulatorRecords()) {
    if (r.contains("deliveryMode") && r["deliveryMode"].value("address", "") == address) {
      out.push_back(r);
    }
  }
  return out;
}

int64_t Scenario::LastCallSeq() {
  int64_t last = 0;
  for (const auto& call : Calls()) last = std::max(last, call.value("seq", int64_t{0}));
  return last;
}

std::vector<json> Scenario::CallsAfter(int64_t seq) {
  std::vector<json> out;
  for (const auto& call : Calls()) {
    if (call.value("seq", int64_t{0}) > seq) out.push_back(call);
  }
  return out;
}

CallSummary Summarize(const std::vector<json>& calls) {
  static const std::string kSubscription = "/restapi/v1.0/subscription";
  CallSummary summary;
  for (const auto& call : calls) {
    const std::string method = call.value("method", "");
    std::string path = call.value("path", "");
    summary.text += std::to_string(call.value("seq", int64_t{0})) + " " + method + " " + path +
                    " " + std::to_string(call.value("status", 0)) + "\n";
    path = path.substr(0, path.find('?'));
    if (path == "/restapi/oauth/token") ++summary.token;
    if (path.rfind(kSubscription, 0) != 0) continue;
    ++summary.subscription[method];
    if (method == "GET" && path == kSubscription) ++summary.list;
  }
  return summary;
}

}  // namespace subkeeper::testing
