// Forwarders, one per store role tests intercept, that pass every call to another implementation
// of that role (header-only; leveldb's EnvWrapper). A test derives from the role it observes or
// alters and overrides only those calls.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "subkeeper/store/event_log.h"
#include "subkeeper/store/store.h"
#include "subkeeper/store/subscription_store.h"

namespace subkeeper::testing {

class ForwardingSubscriptionStore : public store::SubscriptionStore {
 public:
  explicit ForwardingSubscriptionStore(store::SubscriptionStore& inner) : inner_(inner) {}

  Result<std::vector<store::SubscriptionRecord>> ListSubscriptionStates() override {
    return inner_.ListSubscriptionStates();
  }
  Status VisitSubscriptionStates(const store::SubscriptionStateVisitor& visit,
                                 int chunk_rows) override {
    return inner_.VisitSubscriptionStates(visit, chunk_rows);
  }
  Result<std::vector<store::SubscriptionRecord>> ListSubscriptions() override {
    return inner_.ListSubscriptions();
  }
  Result<std::vector<store::SubscriptionHead>> ListSubscriptionHeads(
      const store::SubscriptionKey* after, int limit) override {
    return inner_.ListSubscriptionHeads(after, limit);
  }
  Result<std::vector<store::SubscriptionRecord>> ListAccountSubscriptions(
      std::string_view a) override {
    return inner_.ListAccountSubscriptions(a);
  }
  Result<std::optional<store::SubscriptionRecord>> GetSubscription(std::string_view a,
                                                                   std::string_view n) override {
    return inner_.GetSubscription(a, n);
  }
  Result<std::vector<store::ScheduleEntry>> ListSchedule(
      const std::optional<store::ScheduleEntry>& after, int limit) override {
    return inner_.ListSchedule(after, limit);
  }
  Status PutSubscription(const store::SubscriptionRecord& r,
                         const std::optional<store::HistoryEntry>& h) override {
    return inner_.PutSubscription(r, h);
  }
  Status DeleteSubscription(std::string_view a, std::string_view n,
                            const std::optional<store::HistoryEntry>& h) override {
    return inner_.DeleteSubscription(a, n, h);
  }
  Result<bool> TryAcquireLease(std::string_view a, std::string_view n, std::string_view o,
                               WallTime now, WallTime until) override {
    return inner_.TryAcquireLease(a, n, o, now, until);
  }
  Status ReleaseLease(std::string_view a, std::string_view n, std::string_view o) override {
    return inner_.ReleaseLease(a, n, o);
  }
  Status AppendHistory(const store::HistoryEntry& e) override { return inner_.AppendHistory(e); }
  Result<std::vector<store::HistoryEntry>> ListHistory(const store::HistoryQuery& q) override {
    return inner_.ListHistory(q);
  }

 protected:
  store::SubscriptionStore& inner_;
};

class ForwardingEventLog : public store::EventLog {
 public:
  explicit ForwardingEventLog(store::EventLog& inner) : inner_(inner) {}

  Result<std::vector<store::InsertOutcome>> InsertEvents(
      const std::vector<store::EventRecord>& b) override {
    return inner_.InsertEvents(b);
  }
  Result<std::vector<store::EventRecord>> ListEvents(std::string_view a, std::string_view n,
                                                     std::optional<store::RelayState> s,
                                                     int limit) override {
    return inner_.ListEvents(a, n, s, limit);
  }
  Result<std::vector<store::EventRecord>> ListRelayHeads() override {
    return inner_.ListRelayHeads();
  }
  Status UpdateRelay(int64_t seq, const store::RelayUpdate& u) override {
    return inner_.UpdateRelay(seq, u);
  }
  Result<int64_t> RequeueEvents(const store::ReplayQuery& q) override {
    return inner_.RequeueEvents(q);
  }
  Result<int64_t> PruneEvents(WallTime done, WallTime dead, int limit) override {
    return inner_.PruneEvents(done, dead, limit);
  }
  Result<std::vector<store::RelayBacklog>> CountRelay() override { return inner_.CountRelay(); }
  Result<std::vector<store::LastEvent>> ListLastEvents() override {
    return inner_.ListLastEvents();
  }

 protected:
  store::EventLog& inner_;
};

// The whole bundle, for tests that wrap a store the composition root opens (every role at once).
class ForwardingStore : public store::Store {
 public:
  explicit ForwardingStore(store::Store& inner) : inner_(inner) {}

  Result<std::optional<store::AccountClaim>> TryClaimAccount(std::string_view a,
                                                             std::string_view owner, WallTime now,
                                                             WallTime until) override {
    return inner_.TryClaimAccount(a, owner, now, until);
  }
  Result<bool> ExtendClaim(std::string_view a, int64_t epoch, WallTime now,
                           WallTime until) override {
    return inner_.ExtendClaim(a, epoch, now, until);
  }
  Status ReleaseClaim(std::string_view a, int64_t epoch) override {
    return inner_.ReleaseClaim(a, epoch);
  }
  Result<std::vector<store::AccountClaim>> ListClaims() override { return inner_.ListClaims(); }
  Result<bool> SaveAccountFenced(const platform::AccountSnapshot& s, int64_t epoch) override {
    return inner_.SaveAccountFenced(s, epoch);
  }

  Result<std::vector<store::SubscriptionRecord>> ListSubscriptionStates() override {
    return inner_.ListSubscriptionStates();
  }
  Status VisitSubscriptionStates(const store::SubscriptionStateVisitor& visit,
                                 int chunk_rows) override {
    return inner_.VisitSubscriptionStates(visit, chunk_rows);
  }
  Result<std::vector<store::SubscriptionRecord>> ListSubscriptions() override {
    return inner_.ListSubscriptions();
  }
  Result<std::vector<store::SubscriptionHead>> ListSubscriptionHeads(
      const store::SubscriptionKey* after, int limit) override {
    return inner_.ListSubscriptionHeads(after, limit);
  }
  Result<std::vector<store::SubscriptionRecord>> ListAccountSubscriptions(
      std::string_view a) override {
    return inner_.ListAccountSubscriptions(a);
  }
  Result<std::optional<store::SubscriptionRecord>> GetSubscription(std::string_view a,
                                                                   std::string_view n) override {
    return inner_.GetSubscription(a, n);
  }
  Result<std::vector<store::ScheduleEntry>> ListSchedule(
      const std::optional<store::ScheduleEntry>& after, int limit) override {
    return inner_.ListSchedule(after, limit);
  }
  Status PutSubscription(const store::SubscriptionRecord& r,
                         const std::optional<store::HistoryEntry>& h) override {
    return inner_.PutSubscription(r, h);
  }
  Status DeleteSubscription(std::string_view a, std::string_view n,
                            const std::optional<store::HistoryEntry>& h) override {
    return inner_.DeleteSubscription(a, n, h);
  }
  Result<bool> TryAcquireLease(std::string_view a, std::string_view n, std::string_view o,
                               WallTime now, WallTime until) override {
    return inner_.TryAcquireLease(a, n, o, now, until);
  }
  Status ReleaseLease(std::string_view a, std::string_view n, std::string_view o) override {
    return inner_.ReleaseLease(a, n, o);
  }
  Status AppendHistory(const store::HistoryEntry& e) override { return inner_.AppendHistory(e); }
  Result<std::vector<store::HistoryEntry>> ListHistory(const store::HistoryQuery& q) override {
    return inner_.ListHistory(q);
  }
  Result<std::vector<store::InsertOutcome>> InsertEvents(
      const std::vector<store::EventRecord>& b) override {
    return inner_.InsertEvents(b);
  }
  Result<std::vector<store::EventRecord>> ListEvents(std::string_view a, std::string_view n,
                                                     std::optional<store::RelayState> s,
                                                     int limit) override {
    return inner_.ListEvents(a, n, s, limit);
  }
  Result<std::vector<store::EventRecord>> ListRelayHeads() override {
    return inner_.ListRelayHeads();
  }
  Status UpdateRelay(int64_t seq, const store::RelayUpdate& u) override {
    return inner_.UpdateRelay(seq, u);
  }
  Result<int64_t> RequeueEvents(const store::ReplayQuery& q) override {
    return inner_.RequeueEvents(q);
  }
  Result<int64_t> PruneEvents(WallTime done, WallTime dead, int limit) override {
    return inner_.PruneEvents(done, dead, limit);
  }
  Result<std::vector<store::RelayBacklog>> CountRelay() override { return inner_.CountRelay(); }
  Result<std::vector<store::LastEvent>> ListLastEvents() override {
    return inner_.ListLastEvents();
  }
  Result<std::vector<store::ConditionTransition>> ListConditionTransitions(
      const store::SubscriptionKey* only) override {
    return inner_.ListConditionTransitions(only);
  }
  Status PutConditionTransitions(const std::vector<store::ConditionTransition>& t) override {
    return inner_.PutConditionTransitions(t);
  }
  Result<std::vector<Secret>> ListWebhookSecrets() override { return inner_.ListWebhookSecrets(); }
  Status PutWebhookSecrets(const std::vector<Secret>& s) override {
    return inner_.PutWebhookSecrets(s);
  }
  Result<std::vector<platform::AccountSnapshot>> LoadAccounts() override {
    return inner_.LoadAccounts();
  }
  Status SaveAccount(const platform::AccountSnapshot& a) override { return inner_.SaveAccount(a); }
  Result<std::vector<platform::RateBlock>> LoadRateBlocks(WallTime now) override {
    return inner_.LoadRateBlocks(now);
  }
  Status SaveRateBlock(const platform::RateBlock& b) override { return inner_.SaveRateBlock(b); }
  Status CheckWritable() override { return inner_.CheckWritable(); }

 protected:
  store::Store& inner_;
};

}  // namespace subkeeper::testing
