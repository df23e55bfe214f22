// The integration scenario fixture: the real `subkeeper` against the real `rc-emulator`, both as
// child processes on loopback ports chosen by the kernel (port 0, read back from port files).
//
// A Scenario owns a fresh temp dir under /tmp holding the generated keeper config, the keeper's
// SQLite file, the port files and one log file per program. The constructor starts the
// emulator (reminder job every 1 s) and, unless told otherwise, the keeper with one relayed
// subscription of short lifetime. Failures inside the fixture are reported with Catch's REQUIRE.
// The destructor stops both programs; it removes the temp dir when the test passed and otherwise
// keeps it and WARNs its path and the tail of both logs.
//
// Credentials in the generated config are test literals (the emulator's demo client, any JWT).
// Not thread-safe: one Scenario per test, used from the test thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "subkeeper/store/records.h"
#include "support/process.h"
#include "support/tls_files.h"

namespace subkeeper::testing {

using nlohmann::json;
using namespace std::chrono_literals;

// One subscription of a generated config, on ScenarioOptions::account. Relay mode (a reminder is
// written) unless `address` is set (direct mode).
struct SubscriptionSpec {
  std::string name;
  std::vector<std::string> event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
  int64_t expires_in_s = 12;
  int64_t threshold_s = 6;
  int64_t interval_s = 2;
  std::string address;
  // Relay mode: the app URL relayed events go to ("" = stored, not relayed).
  std::string deliver_to;
};

// The default relay.signing_secret of generated configs: a Standard Webhooks secret (a test
// literal, "whsec_" + base64 of 32 bytes).
inline constexpr const char* kScenarioSigningSecret =
    "whsec_c2NlbmFyaW8tc2lnbmluZy1rZXktb25lLTMyYnl0ZXM=";

struct ScenarioOptions {
  std::string account = "main";
  std::string subscription = "sms";
  std::vector<std::string> event_filters = {"/restapi/v1.0/account/~/extension/~/presence"};
  int64_t expires_in_s = 12;
  int64_t threshold_s = 6;
  int64_t interval_s = 2;
  std::string deliver_to;  // of the single default subscription ("" = none)
  // YAML appended verbatim to the generated config (top-level sections other than `relay:`).
  std::string extra_config;
  // relay.signing_secret of the generated config, in order (empty: none is written).
  std::vector<std::string> signing_secrets = {kScenarioSigningSecret};
  // More lines of the generated `relay:` section, each indented by two spaces.
  std::string relay_section;
  // The keeper's webhook listener speaks TLS with a fresh self-signed certificate, which the
  // emulator trusts (--ca-file) when it delivers.
  bool tls = false;
  // The body of the generated config's `log:` section.
  std::string log_section = "  level: debug\n";
  // false: the test calls StartKeeper() itself (e.g. after changing emulator settings).
  bool start_keeper = true;
  std::vector<std::string> extra_emulator_args;
  // The account's JWT in the generated config ("" = a short test literal).
  std::string jwt;
  // When non-empty, the config lists these instead of the single subscription above
  // (`subscription`, `event_filters`, `expires_in_s`, … then only name what View() and History()
  // look at).
  std::vector<SubscriptionSpec> subscriptions;
  // A libpq connection string: the keeper's store is this PostgreSQL database (store.postgres)
  // instead of the SQLite file at db_path(); Events() and History() read it.
  std::string postgres;
  // With `postgres`: store.claim_ttl of the generated config (0 = not written, the default 30 s),
  // and platform.request_timeout_ms at most half of it.
  int64_t claim_ttl_s = 0;
};

// A window of the emulator's call log summarised: what a reconcile cost.
struct CallSummary {
  std::map<std::string, int> subscription;  // method → calls on /restapi/v1.0/subscription*
  int list = 0;                             // GET /restapi/v1.0/subscription (no id)
  int token = 0;                            // POST /restapi/oauth/token
  std::string text;                         // the window, one "seq METHOD path status" per line
};
CallSummary Summarize(const std::vector<json>& calls);

// A finished one-shot `subkeeper` command.
struct CliRun {
  int exit_code = -1;  // -1 when it did not exit normally in time
  std::string out;
  std::string err;
};

// An HTTP answer; status 0 when the request failed (then `error` says why).
struct HttpReply {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;
  std::string error;
  // The body parsed as JSON (discarded value when it is not JSON).
  json Json() const;
};

class Scenario {
 public:
  explicit Scenario(ScenarioOptions options = {});
  ~Scenario();
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  // Starts the keeper and waits for its port file, then (up to 10 s, not required) for its
  // start-up reconcile of every account to have completed. The first start listens on port 0; later
  // starts reuse the webhook port the first one bound, so the derived public_url (and with it
  // every delivery address) stays the same.
  void StartKeeper();
  // SIGKILL, no shutdown code runs.
  void KillKeeper();
  // KillKeeper() then StartKeeper() with the same config and database.
  void RestartKeeper();

  const ScenarioOptions& options() const { return options_; }
  const std::string& dir() const { return dir_; }
  std::string db_path() const { return dir_ + "/subkeeper.db"; }
  int emulator_port() const { return emulator_port_; }
  int webhooks_port() const { return webhooks_port_; }
  int admin_port() const { return admin_port_; }
  // As the keeper reported it in its port file.
  const std::string& public_url() const { return public_url_; }
  // <public_url>/webhooks/<account>/<name>
  std::string address() const;
  std::string webhook_path() const;
  // "/restapi/v1.0/subscription/~?threshold=T&interval=I"
  std::string reminder_filter() const;
  // DeriveVerificationToken(webhook_secret, account, name), revealed (a test literal).
  std::string verification_token() const;
  // The config's webhook_secret (a test literal); it derives tokens and signs nothing.
  std::string webhook_secret() const;
  // The HMAC key of options().signing_secrets[i] (relay::SigningKey), what SignedWith takes.
  std::string signing_key(size_t i = 0) const;
  // Replaces options().signing_secrets for the configs written from now on (RewriteConfig,
  // StartKeeper).
  void set_signing_secrets(std::vector<std::string> secrets) {
    options_.signing_secrets = std::move(secrets);
  }

  HttpReply AdminGet(const std::string& path);
  HttpReply EmulatorGet(const std::string& path);
  HttpReply EmulatorPost(const std::string& path, const json& body = json::object());
  HttpReply EmulatorDelete(const std::string& path);
  HttpReply WebhookPost(const std::string& path,
                        const std::multimap<std::string, std::string>& headers,
                        const std::string& body);

  // The keeper's /v1/subscriptions entry of the configured subscription (nullopt when absent or
  // the admin port does not answer).
  std::optional<json> View();
  // The condition `type` of View() (nullopt when absent).
  std::optional<json> Condition(const std::string& type);
  // Waits until View() shows status Active with a remote_id other than `not_id`; returns that id,
  // or "" on timeout.
  std::string WaitForActive(std::chrono::milliseconds timeout, const std::string& not_id = "");
  // The same for the configured subscription `name` (of options().account).
  std::string WaitForActiveOf(const std::string& name, std::chrono::milliseconds timeout,
                              const std::string& not_id = "");

  // GET /_emulator/subscriptions records (all users).
  std::vector<json> EmulatorRecords();
  // Those whose deliveryMode.address is address().
  std::vector<json> RecordsForAddress();
  std::optional<json> EmulatorRecord(const std::string& id);
  // GET /_emulator/calls and /_emulator/deliveries.
  std::vector<json> Calls();
  std::vector<json> Deliveries();
  // Calls with this method and exactly this path (query excluded); `status` 0 = any.
  int CountCalls(const std::string& method, const std::string& path, int status = 0);

  // --- Config edits, reloads and one-shot commands (reconcile scenarios) ---
  std::string config_path() const { return dir_ + "/subkeeper.yaml"; }
  // The run-state file the keeper writes (listen.state_file).
  std::string state_file() const { return dir_ + "/keeper.run.json"; }
  // The subscriptions the generated config lists: options().subscriptions, or the single default.
  std::vector<SubscriptionSpec> Specs() const;
  // The keeper config for `subs` with listen.webhooks on `webhooks_port` (0 = any).
  std::string ConfigText(const std::vector<SubscriptionSpec>& subs, int webhooks_port) const;
  // Atomically (tmp + rename) replaces the keeper's config file with `text`, so the keeper's
  // content poll never reads half a file.
  void ReplaceConfig(const std::string& text);
  // ReplaceConfig(ConfigText(subs, <the listen port the running keeper was started with>)):
  // a changed listen address would be refused as restart-only.
  void RewriteConfig(const std::vector<SubscriptionSpec>& subs);
  // Writes ConfigText(subs, webhooks_port()) to <dir>/<file_name> and returns its path: one-shot
  // commands derive the running keeper's public_url from it, and the keeper does not watch it.
  std::string WriteConfigCopy(const std::string& file_name,
                              const std::vector<SubscriptionSpec>& subs);
  // kill(2) of the running keeper.
  void SignalKeeper(int signal);
  // SIGTERM; REQUIREs an exit within 5 s. StartKeeper() may follow.
  void StopKeeper();
  // SIGTERM, then waits up to `grace` (SIGKILL after it). How it ended:
  struct Termination {
    bool exited = false;  // on its own within `grace`
    int exit_code = -1;   // when it exited normally
    std::chrono::milliseconds took{0};
  };
  Termination TerminateKeeper(std::chrono::milliseconds grace);
  // `subkeeper <args>` to completion (REQUIREs an exit within `timeout`).
  CliRun RunCli(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 30s);

  // The "config" object of GET /v1/subscriptions (null when the admin port does not answer).
  json ConfigState();
  // Waits until ConfigState() shows a generation above `before`'s and a new "(reload)"
  // last_reconcile, i.e. the reload's reconcile has finished; returns that state (null on timeout).
  json WaitForReload(const json& before, std::chrono::milliseconds timeout = 15s);
  // The /v1/subscriptions entry of `name` on options().account.
  std::optional<json> ViewOf(const std::string& name);
  // <public_url>/webhooks/<account>/<name>
  std::string AddressOf(const std::string& name) const;
  // Emulator records delivered to `address`.
  std::vector<json> RecordsAt(const std::string& address);
  // The seq of the newest call in the log (0 when empty), and the calls after a seq.
  int64_t LastCallSeq();
  std::vector<json> CallsAfter(int64_t seq);
  // A platform token for the keeper's user (client credentials and JWT of the config).
  std::string PlatformToken();
  // Creates a subscription of the keeper's user behind the keeper's back; returns its id.
  std::string CreateForeignSubscription(const std::string& address,
                                        const std::vector<std::string>& filters);

  // Another keeper on the same store and platform (several keepers on one PostgreSQL
  // database): the generated config with listeners on any port, a run-state file of its own,
  // public_url set to this scenario's (both see the same delivery addresses) and
  // SUBKEEPER_REPLICA_ID=`id` in its environment (it runs on the same host as the first).
  // REQUIREs that it starts and writes its run-state file.
  struct Replica {
    std::optional<Process> process;
    int admin_port = 0;
    std::string log_path;
  };
  Replica StartReplica(const std::string& id);
  // GET and POST to an admin listener on loopback (a replica's).
  static HttpReply GetFrom(int port, const std::string& path);
  static HttpReply PostTo(int port, const std::string& path);

  // Read-side of the keeper's store: its SQLite file (opened per call, WAL) or its PostgreSQL
  // database (options().postgres).
  std::vector<store::EventRecord> Events();
  std::vector<store::HistoryEntry> History();
  bool HistoryHas(const std::string& kind);
  std::vector<store::HistoryEntry> HistoryOf(const std::string& name);

 private:
  std::unique_ptr<TlsFiles> tls_files_;  // when options.tls
  void StartEmulator();
  void WriteConfig(int webhooks_port);
  void ReportFailure();

  ScenarioOptions options_;
  std::string dir_;
  std::optional<Process> emulator_;
  std::optional<Process> keeper_;
  int emulator_port_ = 0;
  int webhooks_port_ = 0;
  int admin_port_ = 0;
  std::string public_url_;
  int keeper_starts_ = 0;
  int config_webhooks_port_ = 0;  // the listen port the running keeper's config names
};

// Whether any assertion failed in the running test case so far (fed by a Catch listener).
bool CurrentTestFailed();

}  // namespace subkeeper::testing
