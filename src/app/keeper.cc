#include "keeper.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>

#include "subkeeper/app/status_view.h"
#include "subkeeper/reconcile/startup.h"
#include "subkeeper/store/sqlite_store.h"
#include "subkeeper/webhook/token.h"

namespace subkeeper::app {
namespace {

std::string LeaseOwner() {
  // Stable across restarts of the same host, so a lease left by a killed process does not block
  // its successor; distinct between replicas (each has its own hostname).
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) return "subkeeper";
  return std::string("subkeeper@") + host;
}

std::function<double()> MakeJitter() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  auto mu = std::make_shared<std::mutex>();
  return [engine, mu] {
    std::lock_guard lock(*mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
  };
}

}  // namespace

Keeper::Keeper(const config::Config& config, const Clock& clock) : config_(config), clock_(clock) {}

Keeper::~Keeper() { Stop(); }

Status Keeper::Start() {
  SK_RETURN_IF_ERROR(OpenStore());
  std::map<std::string, platform::AccountCredentials> accounts;
  for (const auto& account : config_.accounts) accounts[account.name] = {account.jwt};
  platform::ClientOptions client{config_.platform.server, config_.platform.client_id,
                                 config_.platform.client_secret,
                                 std::chrono::milliseconds(config_.platform.request_timeout_ms)};
  api_ = std::make_unique<platform::RestClient>(client, accounts, transport_, clock_);

  renewal::ServiceOptions service;
  service.owner = LeaseOwner();
  service.lease = Seconds(config_.renewal.lease_s);
  service.backoff = {Seconds(config_.renewal.min_backoff_s),
                     Seconds(config_.renewal.max_backoff_s)};
  service.direct_margin_pct = config_.renewal.direct_margin_pct;
  service.webhook_secret = config_.webhook_secret;
  service.reminder_job_interval_s = config_.platform.reminder_job_interval_s;
  renewal_ =
      std::make_unique<renewal::RenewalService>(*store_, *api_, clock_, service, MakeJitter());
  renewal_->SetOnRemoteChange([this] { PublishRoutes(); });
  scheduler_ = std::make_unique<renewal::Scheduler>(*store_, *renewal_, clock_);

  SK_RETURN_IF_ERROR(StartListeners());
  SK_RETURN_IF_ERROR(ApplyConfig());
  scheduler_->Start();
  spdlog::info("subkeeper ready: webhooks on port {}, admin on port {}, public URL {}",
               webhook_port_, admin_port_, public_url_);
  return Status::OK();
}

Status Keeper::OpenStore() {
  auto opened = store::OpenSqliteStore(config_.store.sqlite_path, clock_);
  if (!opened.ok()) return opened.status();
  store_ = std::move(opened).value();
  return Status::OK();
}

Status Keeper::StartListeners() {
  ingestor_ = std::make_unique<webhook::EventIngestor>(*store_);
  ingestor_->Start();
  webhook::ReceiverOptions receiver_options;
  receiver_options.max_body_bytes = static_cast<size_t>(config_.server.max_body_bytes);
  receiver_options.commit_budget = std::chrono::milliseconds(config_.server.commit_budget_ms);
  receiver_ = std::make_unique<webhook::WebhookReceiver>(
      routes_, *ingestor_,
      [this](const std::string& account, const std::string& name, const std::string& id) {
        scheduler_->OnReminder(account, name, id);
      },
      clock_, receiver_options);

  SK_ASSIGN_OR_RETURN(auto admin_address, server::ParseListenAddress(config_.listen.admin));
  admin_server_ = std::make_unique<server::AdminServer>(*this);
  SK_ASSIGN_OR_RETURN(admin_port_, admin_server_->Bind(admin_address.first, admin_address.second));
  admin_server_->Start();

  SK_ASSIGN_OR_RETURN(auto hook_address, server::ParseListenAddress(config_.listen.webhooks));
  webhook_server_ = std::make_unique<server::WebhookServer>(*receiver_, config_.server);
  SK_ASSIGN_OR_RETURN(webhook_port_,
                      webhook_server_->Bind(hook_address.first, hook_address.second));
  webhook_server_->Start();
  webhooks_up_ = true;

  public_url_ = config_.public_url;
  if (public_url_.empty()) {
    std::string host = hook_address.first;
    if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    public_url_ = "http://" + host + ":" + std::to_string(webhook_port_);
  }
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
  return Status::OK();
}

Status Keeper::ApplyConfig() {
  auto report = reconcile::ReconcileAtStartup(config_, public_url_, *store_, *api_, clock_);
  if (!report.ok()) return report.status();
  spdlog::info("start-up reconcile: {} checked, {} adopted, {} missing, {} to create, {} inactive",
               report->checked, report->adopted, report->missing, report->to_create,
               report->inactive);
  PublishRoutes();
  scheduler_->SetConfigured(ConfiguredKeys());
  config_applied_ = true;
  return Status::OK();
}

void Keeper::PublishRoutes() {
  auto records = store_->ListSubscriptions();
  if (!records.ok()) {
    spdlog::error("publishing webhook routes: {}", records.status().ToString());
    return;
  }
  const auto configured = ConfiguredKeys();
  webhook::RouteMap routes;
  for (const auto& record : *records) {
    const std::string key = record.account + "/" + record.name;
    if (record.reminder_filter.empty() || !configured.count(key)) continue;  // direct: not ours
    routes[key] = webhook::Route{
        record.account, record.name,
        webhook::DeriveVerificationToken(config_.webhook_secret, record.account, record.name),
        record.reminder_filter, record.remote_id};
  }
  routes_.Publish(std::move(routes));
}

std::set<std::string> Keeper::ConfiguredKeys() const {
  std::set<std::string> keys;
  for (const auto& sub : config_.subscriptions) keys.insert(sub.account + "/" + sub.name);
  return keys;
}

void Keeper::Stop() {
  if (webhook_server_) webhook_server_->Stop();
  webhooks_up_ = false;
  if (scheduler_) scheduler_->Stop();
  if (ingestor_) ingestor_->Stop();
  if (admin_server_) admin_server_->Stop();
}

server::AdminSource::Readiness Keeper::GetReadiness() {
  Readiness readiness;
  Status writable = store_ ? store_->CheckWritable() : Status::Unavailable("store not open");
  if (!writable.ok()) readiness.reasons.push_back("store not writable: " + writable.ToString());
  if (!webhooks_up_) readiness.reasons.push_back("webhook listener not running");
  if (!config_applied_) readiness.reasons.push_back("configuration not applied yet");
  readiness.ready = readiness.reasons.empty();
  return readiness;
}

std::string Keeper::SubscriptionsJson() {
  auto records = store_->ListSubscriptions();
  if (!records.ok()) return nlohmann::json{{"error", records.status().ToString()}}.dump();
  const auto configured = ConfiguredKeys();
  std::vector<store::SubscriptionRecord> shown;
  for (auto& record : *records) {
    if (configured.count(record.account + "/" + record.name)) shown.push_back(std::move(record));
  }
  return SubscriptionsView(shown, clock_.Now()).dump();
}

}  // namespace subkeeper::app
