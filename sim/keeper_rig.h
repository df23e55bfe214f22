// One keeper "process" inside a simulation: the shipped app::Controller (store, platform
// client, renewal service, scheduler, reconcile cadence, routes) built over the simulation's
// environment — its virtual clock, the in-process platforms behind KeeperTransport, a SQLite
// file and its seeded randomness — with a webhook receiver that commits each notification at
// once. No HTTP servers, no threads and no relay. Destroying it and building a new one over the
// same SQLite file is a restart.
//
// HookTransport is the platform's side of the keeper's webhook listener: the emulator's
// outbound requests (validation handshakes, reminders) go straight to the receiver of the rig
// that is up, or fail with kUnavailable while the keeper is down.
//
// Not thread-safe: owned by the simulation's single thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "keeper_transport.h"
#include "subkeeper/app/controller.h"
#include "subkeeper/app/env.h"
#include "subkeeper/common/clock.h"
#include "subkeeper/config/config.h"
#include "subkeeper/store/store.h"
#include "subkeeper/webhook/receiver.h"

namespace subkeeper::sim {

// Commits each notification at once, on the caller's thread (the simulation has one).
class SyncSink final : public webhook::EventSink {
 public:
  explicit SyncSink(store::EventLog& store) : store_(store) {}
  Result<store::InsertOutcome> Commit(store::EventRecord event, SteadyTime deadline) override;

 private:
  store::EventLog& store_;
};

class KeeperRig {
 public:
  // Opens the store at config.store.sqlite_path and starts the controller as the daemon does
  // (routes from the store, then the start-up passes). `clock`, `transport` and `random` are
  // shared with the simulation and must outlive the rig; `config` too. Aborts when the store
  // cannot open.
  KeeperRig(const config::Config& config, const Clock& clock, KeeperTransport& transport,
            std::function<double()> random, Seconds max_reminder_spread);
  ~KeeperRig();

  // Controller::Tick: the reconciles due at `now` and the keep-alive. Returns the next due time.
  WallTime Tick(WallTime now) { return controller_->Tick(now, kAccountsPerTick); }
  // Scheduler pass; returns the next due time.
  WallTime TickScheduler() { return controller_->scheduler().Tick(); }
  // Account reconciles since start.
  size_t passes() const { return controller_->State().passes; }
  webhook::WebhookReceiver& receiver() { return *receiver_; }

 private:
  static constexpr size_t kAccountsPerTick = 64;
  app::KeeperEnv env_;
  std::unique_ptr<app::Controller> controller_;
  std::unique_ptr<SyncSink> sink_;
  std::unique_ptr<webhook::WebhookReceiver> receiver_;
};

class HookTransport final : public http::HttpTransport {
 public:
  // `public_url`: the keeper's base URL as given to the platform.
  explicit HookTransport(std::string public_url) : public_url_(std::move(public_url)) {}
  // The rig that receives (nullptr while the keeper is down).
  void Attach(KeeperRig* rig) { rig_ = rig; }
  Result<http::HttpResponse> Send(const http::HttpRequest& request) override;

 private:
  const std::string public_url_;
  KeeperRig* rig_ = nullptr;
};

}  // namespace subkeeper::sim
