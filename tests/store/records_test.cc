#include "subkeeper/store/records.h"

#include <catch2/catch.hpp>
#include <string_view>
#include <utility>
#include <vector>

namespace subkeeper::store {
namespace {

TEST_CASE("An event's kind is written as the text the store and the relay header use", "[store]") {
  CHECK(EventKindText(EventKind::kEvent) == "event");
  CHECK(EventKindText(EventKind::kReminder) == "reminder");
  CHECK(EventKindText(EventKind::kLifecycle) == "lifecycle");
  for (EventKind kind : {EventKind::kEvent, EventKind::kReminder, EventKind::kLifecycle}) {
    CHECK(ParseEventKind(EventKindText(kind)) == kind);
  }
  CHECK_FALSE(ParseEventKind("").has_value());
  CHECK_FALSE(ParseEventKind("Event").has_value());
  CHECK_FALSE(ParseEventKind("reminders").has_value());
}

TEST_CASE("A relay state is written as the text the store's queries use", "[store]") {
  CHECK(RelayStateText(RelayState::kPending) == "pending");
  CHECK(RelayStateText(RelayState::kDelivered) == "delivered");
  CHECK(RelayStateText(RelayState::kDead) == "dead");
  CHECK(RelayStateText(RelayState::kNone) == "none");
  for (RelayState state :
       {RelayState::kPending, RelayState::kDelivered, RelayState::kDead, RelayState::kNone}) {
    CHECK(ParseRelayState(RelayStateText(state)) == state);
  }
  CHECK_FALSE(ParseRelayState("").has_value());
  CHECK_FALSE(ParseRelayState("Pending").has_value());
  CHECK_FALSE(ParseRelayState(" dead").has_value());
}

TEST_CASE("A history kind is written as the text the store, metrics and history use", "[store]") {
  const std::vector<std::pair<HistoryKind, std::string_view>> texts = {
      {HistoryKind::kCreated, "created"},     {HistoryKind::kAdopted, "adopted"},
      {HistoryKind::kRenewed, "renewed"},     {HistoryKind::kUpdated, "updated"},
      {HistoryKind::kRecreated, "recreated"}, {HistoryKind::kBlacklisted, "blacklisted"},
      {HistoryKind::kInactive, "inactive"},   {HistoryKind::kDeleted, "deleted"},
      {HistoryKind::kFailed, "failed"},       {HistoryKind::kReminderMissing, "reminder_missing"},
      {HistoryKind::kExpired, "expired"},     {HistoryKind::kDeadLettered, "dead_lettered"},
  };
  for (const auto& [kind, text] : texts) {
    CHECK(HistoryKindText(kind) == text);
    CHECK(ParseHistoryKind(text) == kind);
  }
  CHECK_FALSE(ParseHistoryKind("").has_value());
  CHECK_FALSE(ParseHistoryKind("Renewed").has_value());
  CHECK_FALSE(ParseHistoryKind("reminder-missing").has_value());
}

}  // namespace
}  // namespace subkeeper::store
