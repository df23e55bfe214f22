// The events table: notifications as received on the webhook listener (stored before they are
// acknowledged) and lifecycle events queued for the app, doubling as the relay's durable outbox.
// The webhook ingestor inserts; the relay reads heads, writes outcomes and prunes; the app counts
// and replays.
//
// Thread-safe. Errors as in store/store.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"
#include "subkeeper/store/records.h"

namespace subkeeper::store {

class EventLog {
 public:
  virtual ~EventLog() = default;

  // Stores every event of `batch` in ONE transaction (durable when this returns), skipping those
  // whose uuid is already stored (earlier in the batch included). Returns one outcome per input,
  // in order; seq is assigned in input order, increasing. kInvalidArgument (nothing stored) when
  // an event has no uuid.
  virtual Result<std::vector<InsertOutcome>> InsertEvents(
      const std::vector<EventRecord>& batch) = 0;
  // Events in seq order, optionally of one route ("" = any) and relay state (nullopt = any);
  // `limit` <= 0 = no limit. kDataLoss when a stored kind or relay state is not one this build
  // knows.
  virtual Result<std::vector<EventRecord>> ListEvents(std::string_view account,
                                                      std::string_view name,
                                                      std::optional<RelayState> relay_state,
                                                      int limit) = 0;

  // ---- Relay (the events table as a durable outbox to the app) ----

  // For every (account, name) with "pending" events: its oldest pending event (lowest seq),
  // ordered by seq. The relay delivers in order per subscription, so only heads are eligible.
  virtual Result<std::vector<EventRecord>> ListRelayHeads() = 0;
  // Writes the outcome of a delivery attempt to event `seq`. kNotFound when there is no such
  // event, kInvalidArgument when the state is not "pending", "delivered" or "dead".
  virtual Status UpdateRelay(int64_t seq, const RelayUpdate& update) = 0;
  // Puts the events matching `query` back to "pending" (attempts 0, next attempt unset,
  // last_error cleared) in one transaction. Returns how many changed.
  virtual Result<int64_t> RequeueEvents(const ReplayQuery& query) = 0;
  // Deletes at most `limit` events that need nothing more: "delivered" / "none" received before
  // `done_before`, "dead" received before `dead_before`. Never a "pending" one. Returns how many.
  // `limit` <= 0 = no limit. A pruned uuid is forgotten (it may be inserted again).
  virtual Result<int64_t> PruneEvents(WallTime done_before, WallTime dead_before, int limit) = 0;
  // Relay counts per (account, name) that has any event, ordered by account, name.
  virtual Result<std::vector<RelayBacklog>> CountRelay() = 0;
  // The newest stored notification (kind "event") of each (account, name) that has one.
  virtual Result<std::vector<LastEvent>> ListLastEvents() = 0;
};

}  // namespace subkeeper::store
