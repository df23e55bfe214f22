// Catch's listener interface is only declared with this switch (see catch.hpp).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "support/scenario.h"

#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/relay/signature.h"
#include "subkeeper/subscription/token.h"

#ifndef SUBKEEPER_BIN
#error "SUBKEEPER_BIN must name the keeper binary"
#endif
#ifndef RC_EMULATOR_BIN
#error "RC_EMULATOR_BIN must name the emulator binary"
#endif

namespace subkeeper::testing {
namespace {

// Test literals, not real credentials.
constexpr char kClientId[] = "demo-client";
constexpr char kClientSecret[] = "demo-secret";
constexpr char kWebhookSecret[] = "scenario-webhook-secret";
constexpr char kJwt[] = "scenario-jwt-assertion";

bool g_test_failed = false;

// Records failed assertions so the fixture knows, in its destructor, whether to keep the evidence.
class FailureListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    g_test_failed = false;
    TestEventListenerBase::testCaseStarting(info);
  }
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.isOk()) g_test_failed = true;
    return TestEventListenerBase::assertionEnded(stats);
  }
};

// The port file is written atomically, so a file that parses is complete.
std::optional<json> ReadJsonFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return std::nullopt;
  json parsed = json::parse(*text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

HttpReply ToReply(const httplib::Result& res) {
  HttpReply reply;
  if (!res) {
    reply.error = httplib::to_string(res.error());
    return reply;
  }
  reply.status = res->status;
  reply.body = res->body;
  for (const auto& [name, value] : res->headers) reply.headers.emplace(name, value);
  return reply;
}

httplib::Client MakeClient(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  client.set_write_timeout(std::chrono::seconds(2));
  return client;
}

}  // namespace

CATCH_REGISTER_LISTENER(FailureListener)

bool CurrentTestFailed() { return g_test_failed; }

json HttpReply::Json() const { return json::parse(body, nullptr, false); }

Scenario::Scenario(ScenarioOptions options) : options_(std::move(options)) {
  std::string pattern = "/tmp/subkeeper-scenario-XXXXXX";
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  if (options_.tls) tls_files_ = std::make_unique<TlsFiles>();
  try {
    StartEmulator();
    if (options_.start_keeper) StartKeeper();
  } catch (...) {
    // The destructor does not run for a half-built object: keep the evidence here.
    if (keeper_) keeper_->Kill();
    if (emulator_) emulator_->Kill();
    ReportFailure();
    throw;
  }
}

Scenario::~Scenario() {
  const bool failed = CurrentTestFailed() || std::uncaught_exceptions() > 0;
  if (keeper_ && !keeper_->Terminate(3000ms)) {
    WARN("subkeeper did not exit within 3 s of SIGTERM and was killed");
  }
  if (emulator_) emulator_->Terminate(3000ms);
  if (failed) {
    ReportFailure();
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void Scenario::ReportFailure() {
  WARN("scenario dir kept: " << dir_ << "\n--- rc-emulator log (tail) ---\n"
                             << TailOfFile(dir_ + "/emulator.log", 40)
                             << "--- subkeeper log (tail) ---\n"
                             << TailOfFile(dir_ + "/keeper.log", 80));
}

void Scenario::StartEmulator() {
  const std::string port_file = dir_ + "/emulator.port";
  std::vector<std::string> args = {
      "--listen", "127.0.0.1:0", "--port-file", port_file, "--reminder-job-interval",
      "1",        "--log-level", "debug"};
  args.insert(args.end(), options_.extra_emulator_args.begin(), options_.extra_emulator_args.end());
  if (tls_files_) {
    args.push_back("--ca-file");
    args.push_back(tls_files_->cert_path());
  }
  std::string error;
  emulator_ = Process::Start(RC_EMULATOR_BIN, args, dir_ + "/emulator.log", &error);
  INFO("starting rc-emulator: " << error);
  REQUIRE(emulator_.has_value());
  std::optional<json> ports;
  const bool up = WaitFor(
      [&] {
        ports = ReadJsonFile(port_file);
        return (ports && ports->contains("port")) || !emulator_->Running();
      },
      10s);
  INFO("rc-emulator port file " << port_file);
  REQUIRE(up);
  REQUIRE(emulator_->Running());
  emulator_port_ = ports->at("port").get<int>();
}

std::vector<SubscriptionSpec> Scenario::Specs() const {
  if (!options_.subscriptions.empty()) return options_.subscriptions;
  SubscriptionSpec spec;
  spec.name = options_.subscription;
  spec.event_filters = options_.event_filters;
  spec.expires_in_s = options_.expires_in_s;
  spec.threshold_s = options_.threshold_s;
  spec.interval_s = options_.interval_s;
  spec.deliver_to = options_.deliver_to;
  return {spec};
}

std::string Scenario::ConfigText(const std::vector<SubscriptionSpec>& subs,
                                 int webhooks_port) const {
  auto q = [](const std::string& s) { return json(s).dump(); };  // a JSON string is valid YAML
  std::ostringstream out;
  out << "listen:\n"
      << "  webhooks: " << q("127.0.0.1:" + std::to_string(webhooks_port)) << "\n"
      << "  admin: \"127.0.0.1:0\"\n"
      << "  state_file: " << q(state_file()) << "\n";
  if (tls_files_) {
    out << "  tls:\n    cert: " << q(tls_files_->cert_path())
        << "\n    key: " << q(tls_files_->key_path()) << "\n";
  }
  if (options_.postgres.empty()) {
    out << "store:\n  sqlite: " << q(db_path()) << "\n";
  } else {
    out << "store:\n  postgres: " << q(options_.postgres) << "\n";
    if (options_.claim_ttl_s > 0) out << "  claim_ttl: " << options_.claim_ttl_s << "\n";
  }
  const int64_t timeout_ms =
      options_.claim_ttl_s > 0 ? std::min<int64_t>(5000, options_.claim_ttl_s * 500) : 5000;
  out << "platform:\n"
      << "  server: " << q("http://127.0.0.1:" + std::to_string(emulator_port_)) << "\n"
      << "  client_id: " << q(kClientId) << "\n"
      << "  client_secret: " << q(kClientSecret) << "\n"
      << "  reminder_job_interval: 1\n"
      << "  request_timeout_ms: " << timeout_ms << "\n"
      << "webhook_secret: " << q(kWebhookSecret) << "\n"
      << "accounts:\n  - name: " << q(options_.account)
      << "\n    jwt: " << q(options_.jwt.empty() ? std::string(kJwt) : options_.jwt) << "\n"
      << "subscriptions:\n";
  for (const auto& sub : subs) {
    out << "  - name: " << q(sub.name) << "\n"
        << "    account: " << q(options_.account) << "\n"
        << "    event_filters: " << json(sub.event_filters).dump() << "\n"
        << "    expires_in: " << sub.expires_in_s << "\n";
    if (sub.address.empty()) {
      out << "    reminder: { threshold: " << sub.threshold_s << ", interval: " << sub.interval_s
          << " }\n";
      if (!sub.deliver_to.empty()) out << "    deliver_to: " << q(sub.deliver_to) << "\n";
    } else {
      out << "    address: " << q(sub.address) << "\n";
    }
  }
  out << "renewal: { lease: 30, min_backoff: 1, max_backoff: 4 }\n"
      << "log:\n"
      << options_.log_section;
  if (!options_.signing_secrets.empty() || !options_.relay_section.empty()) {
    out << "relay:\n";
    if (!options_.signing_secrets.empty()) {
      out << "  signing_secret: " << json(options_.signing_secrets).dump() << "\n";
    }
    out << options_.relay_section;
  }
  out << options_.extra_config;
  return out.str();
}

void Scenario::WriteConfig(int webhooks_port) {
  config_webhooks_port_ = webhooks_port;
  std::ofstream out(config_path());
  out << ConfigText(Specs(), webhooks_port);
  REQUIRE(out.good());
}

void Scenario::StartKeeper() {
  REQUIRE(!keeper_.has_value());
  // The keeper writes its run-state file (listen.state_file) once both listeners are bound;
  // one-shot commands find the admin port there too.
  const std::string port_file = state_file();
  std::filesystem::remove(port_file);
  WriteConfig(webhooks_port_);
  const std::string log = dir_ + "/keeper.log";
  std::ofstream(log, std::ios::app)
      << "=== scenario: keeper start #" << ++keeper_starts_ << " ===\n";
  std::string error;
  keeper_ = Process::Start(SUBKEEPER_BIN, {"run", "-c", config_path()}, log, &error);
  INFO("starting subkeeper: " << error);
  REQUIRE(keeper_.has_value());
  std::optional<json> ports;
  const bool up = WaitFor(
      [&] {
        ports = ReadJsonFile(port_file);
        return (ports && ports->contains("webhooks")) || !keeper_->Running();
      },
      15s);
  INFO("subkeeper port file " << port_file);
  REQUIRE(up);
  REQUIRE(keeper_->Running());
  webhooks_port_ = ports->at("webhooks").get<int>();
  admin_port_ = ports->at("admin").get<int>();
  public_url_ = ports->value("public_url", "http://127.0.0.1:" + std::to_string(webhooks_port_));
  // The keeper is ready (and writes its port file) before the start-up reconcile, which runs
  // per account in the background. Tests read the platform after it, so wait for it here; not
  // required, since some tests start the keeper against a platform that cannot answer yet.
  WaitFor(
      [&] {
        const json state = ConfigState();
        return state.is_object() && state.contains("reconcile") &&
               state["reconcile"].value("startup_pending", int64_t{1}) == 0;
      },
      10s);
}

void Scenario::KillKeeper() {
  if (keeper_) keeper_->Kill();
  keeper_.reset();
}

void Scenario::RestartKeeper() {
  KillKeeper();
  StartKeeper();
}

std::string Scenario::webhook_path() const {
  return "/webhooks/" + options_.account + "/" + options_.subscription;
}

std::string Scenario::address() const { return public_url_ + webhook_path(); }

std::string Scenario::reminder_filter() const {
  return "/restapi/v1.0/subscription/~?threshold=" + std::to_string(options_.threshold_s) +
         "&interval=" + std::to_string(options_.interval_s);
}

std::string Scenario::verification_token() const {
  return subscription::DeriveVerificationToken(Secret(kWebhookSecret), options_.account,
                                               options_.subscription)
      .Reveal();
}

std::string Scenario::webhook_secret() const { return kWebhookSecret; }

std::string Scenario::signing_key(size_t i) const {
  REQUIRE(i < options_.signing_secrets.size());
  std::optional<std::string> key = relay::SigningKey(Secret(options_.signing_secrets[i]));
  REQUIRE(key.has_value());
  return *key;
}

HttpReply Scenario::AdminGet(const std::string& path) {
  return ToReply(MakeClient(admin_port_).Get(path.c_str()));
}

HttpReply Scenario::GetFrom(int port, const std::string& path) {
  return ToReply(MakeClient(port).Get(path.c_str()));
}

HttpReply Scenario::PostTo(int port, const std::string& path) {
  return ToReply(MakeClient(port).Post(path.c_str(), "", "application/json"));
}

Scenario::Replica Scenario::StartReplica(const std::string& id) {
  auto q = [](const std::string& s) { return json(s).dump(); };
  const std::string base = dir_ + "/replica-" + id;
  std::string text = ConfigText(Specs(), 0);
  const std::string own_state = q(state_file());
  const size_t at = text.find(own_state);
  REQUIRE(at != std::string::npos);
  text.replace(at, own_state.size(), q(base + ".run.json"));
  text = "public_url: " + q(public_url_) + "\n" + text;
  {
    std::ofstream out(base + ".yaml");
    out << text;
    REQUIRE(out.good());
  }
  Replica replica;
  replica.log_path = base + ".log";
  std::string error;
  // The child inherits the variable; the test's own threads never read it.
  setenv("SUBKEEPER_REPLICA_ID", id.c_str(), 1);
  replica.process =
      Process::Start(SUBKEEPER_BIN, {"run", "-c", base + ".yaml"}, replica.log_path, &error);
  unsetenv("SUBKEEPER_REPLICA_ID");
  INFO("starting replica " << id << ": " << error);
  REQUIRE(replica.process.has_value());
  std::optional<json> ports;
  const bool up = WaitFor(
      [&] {
        ports = ReadJsonFile(base + ".run.json");
        return (ports && ports->contains("admin")) || !replica.process->Running();
      },
      15s);
  INFO("replica log " << replica.log_path);
  REQUIRE(up);
  REQUIRE(replica.process->Running());
  replica.admin_port = ports->at("admin").get<int>();
  return replica;
}

HttpReply Scenario::EmulatorDelete(const std::string& path) {
  return ToReply(MakeClient(emulator_port_).Delete(path.c_str()));
}

HttpReply Scenario::EmulatorGet(const std::string& path) {
  return ToReply(MakeClient(emulator_port_).Get(path.c_str()));
}

HttpReply Scenario::EmulatorPost(const std::string& path, const json& body) {
  return ToReply(MakeClient(emulator_port_).Post(path.c_str(), body.dump(), "application/json"));
}

HttpReply Scenario::WebhookPost(const std::string& path,
                                const std::multimap<std::string, std::string>& headers,
                                const std::string& body) {
  httplib::Headers h(headers.begin(), headers.end());
  return ToReply(MakeClient(webhooks_port_).Post(path.c_str(), h, body, "application/json"));
}

void Scenario::ReplaceConfig(const std::string& text) {
  const std::string tmp = config_path() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    REQUIRE(out.good());
  }
  REQUIRE(std::rename(tmp.c_str(), config_path().c_str()) == 0);
}

void Scenario::RewriteConfig(const std::vector<SubscriptionSpec>& subs) {
  ReplaceConfig(ConfigText(subs, config_webhooks_port_));
}

std::string Scenario::WriteConfigCopy(const std::string& file_name,
                                      const std::vector<SubscriptionSpec>& subs) {
  const std::string path = dir_ + "/" + file_name;
  std::ofstream out(path, std::ios::trunc);
  out << ConfigText(subs, webhooks_port_);
  REQUIRE(out.good());
  return path;
}

void Scenario::SignalKeeper(int signal) {
  REQUIRE(keeper_.has_value());
  REQUIRE(keeper_->Running());
  REQUIRE(kill(keeper_->pid(), signal) == 0);
}

void Scenario::StopKeeper() {
  REQUIRE(keeper_.has_value());
  const bool clean = keeper_->Terminate(5000ms);
  keeper_.reset();
  INFO("subkeeper did not exit within 5 s of SIGTERM");
  REQUIRE(clean);
}

Scenario::Termination Scenario::TerminateKeeper(std::chrono::milliseconds grace) {
  REQUIRE(keeper_.has_value());
  Termination out;
  const auto start = std::chrono::steady_clock::now();
  out.exited = keeper_->Terminate(grace);
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (auto status = keeper_->wait_status(); status && WIFEXITED(*status)) {
    out.exit_code = WEXITSTATUS(*status);
  }
  keeper_.reset();
  return out;
}

CliRun Scenario::RunCli(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  static int runs = 0;
  const std::string base = dir_ + "/cli-" + std::to_string(++runs);
  std::string error;
  auto process = Process::Start(SUBKEEPER_BIN, args, base + ".out", base + ".err", &error);
  INFO("starting subkeeper " << json(args).dump() << ": " << error);
  REQUIRE(process.has_value());
  const bool exited = process->WaitExit(timeout);
  CliRun run;
  run.out = ReadFile(base + ".out").value_or("");
  run.err = ReadFile(base + ".err").value_or("");
  INFO("subkeeper " << json(args).dump() << " did not exit in time; stderr: " << run.err);
  REQUIRE(exited);
  const auto status = process->wait_status();
  if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
  return run;
}

std::string Scenario::PlatformToken() {
  auto client = MakeClient(emulator_port_);
  client.set_basic_auth(kClientId, kClientSecret);
  const httplib::Params form = {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                {"assertion", options_.jwt.empty() ? kJwt : options_.jwt}};
  const auto reply = ToReply(client.Post("/restapi/oauth/token", form));
  INFO("token answer: " << reply.status << " " << reply.error);
  REQUIRE(reply.status == 200);
  const json body = reply.Json();
  REQUIRE(body.is_object());
  REQUIRE(body.contains("access_token"));
  return body["access_token"].get<std::string>();
}

std::string Scenario::CreateForeignSubscription(const std::string& address,
                                                const std::vector<std::string>& filters) {
  const std::string token = PlatformToken();
  auto client = MakeClient(emulator_port_);
  client.set_bearer_token_auth(token);
  const json request = {{"eventFilters", filters},
                        {"expiresIn", 3600},
                        {"deliveryMode", {{"transportType", "WebHook"}, {"address", address}}}};
  const auto reply =
      ToReply(client.Post("/restapi/v1.0/subscription", request.dump(), "application/json"));
  INFO("create answer: " << reply.status << " " << reply.body << " " << reply.error);
  REQUIRE(reply.status == 200);
  const json body = reply.Json();
  REQUIRE(body.is_object());
  REQUIRE(body.contains("id"));
  return body["id"].get<std::string>();
}

}  // namespace subkeeper::testing
