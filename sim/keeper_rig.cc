#include "keeper_rig.h"

#include <cstdio>
#include <cstdlib>

#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::sim {
namespace {

app::KeeperEnv SimEnv(const Clock& clock, KeeperTransport& transport,
                      std::function<double()> random) {
  app::KeeperEnv env;
  env.clock = &clock;
  env.platform = &transport;
  env.open_store = [&clock](const config::StoreConfig& where, store::OpenMode mode) {
    return store::OpenSqliteStore(where.sqlite_path, clock, mode);
  };
  env.unit_random = std::move(random);
  env.lease_owner = "subkeeper@sim";
  return env;
}

}  // namespace

Result<store::InsertOutcome> SyncSink::Commit(store::EventRecord event, SteadyTime /*deadline*/) {
  SK_ASSIGN_OR_RETURN(auto outcomes, store_.InsertEvents({std::move(event)}));
  if (outcomes.size() != 1) return Status::Internal("one event, one outcome");
  return outcomes.front();
}

KeeperRig::KeeperRig(const config::Config& config, const Clock& clock, KeeperTransport& transport,
                     std::function<double()> random, Seconds max_reminder_spread)
    : env_(SimEnv(clock, transport, std::move(random))) {
  app::ControllerOptions options;
  options.max_reminder_spread = max_reminder_spread;
  // The lists a reconcile makes are reported apart from the renewals' own.
  options.on_observe = [&transport](bool observing) { transport.set_reconciling(observing); };
  controller_ = std::make_unique<app::Controller>(env_, config, std::move(options));
  if (Status opened = controller_->Open(); !opened.ok()) {
    std::fprintf(stderr, "simulation: cannot open %s: %s\n", config.store.sqlite_path.c_str(),
                 opened.ToString().c_str());
    std::abort();
  }
  sink_ = std::make_unique<SyncSink>(controller_->store());
  receiver_ = controller_->MakeReceiver(*sink_);
  controller_->Begin(config.public_url);
}

KeeperRig::~KeeperRig() = default;

Result<http::HttpResponse> HookTransport::Send(const http::HttpRequest& request) {
  if (rig_ == nullptr) return Status::Unavailable("connection refused (keeper down)");
  if (!request.url.starts_with(public_url_)) return Status::Unavailable("unknown host");
  webhook::WebhookResponse answer;
  if (const std::string* token = request.headers.Find("Validation-Token")) {
    answer = webhook::WebhookReceiver::Handshake(*token);
  } else {
    answer = rig_->receiver().HandleNotification(request.url.substr(public_url_.size()),
                                                 request.headers, request.body);
  }
  return http::HttpResponse{answer.status, std::move(answer.headers), std::move(answer.body)};
}

}  // namespace subkeeper::sim
