#include "subkeeper/store/records.h"

#include <array>
#include <utility>

namespace subkeeper::store {
namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 3> kEventKinds{{
    {EventKind::kEvent, "event"},
    {EventKind::kReminder, "reminder"},
    {EventKind::kLifecycle, "lifecycle"},
}};

constexpr std::array<std::pair<RelayState, std::string_view>, 4> kRelayStates{{
    {RelayState::kPending, "pending"},
    {RelayState::kDelivered, "delivered"},
    {RelayState::kDead, "dead"},
    {RelayState::kNone, "none"},
}};

constexpr std::array<std::pair<HistoryKind, std::string_view>, 12> kHistoryKinds{{
    {HistoryKind::kCreated, "created"},
    {HistoryKind::kAdopted, "adopted"},
    {HistoryKind::kRenewed, "renewed"},
    {HistoryKind::kUpdated, "updated"},
    {HistoryKind::kRecreated, "recreated"},
    {HistoryKind::kBlacklisted, "blacklisted"},
    {HistoryKind::kInactive, "inactive"},
    {HistoryKind::kDeleted, "deleted"},
    {HistoryKind::kFailed, "failed"},
    {HistoryKind::kReminderMissing, "reminder_missing"},
    {HistoryKind::kExpired, "expired"},
    {HistoryKind::kDeadLettered, "dead_lettered"},
}};

template <typename Enum, size_t N>
std::string_view TextOf(const std::array<std::pair<Enum, std::string_view>, N>& texts, Enum e) {
  for (const auto& [value, text] : texts) {
    if (value == e) return text;
  }
  return "";
}

template <typename Enum, size_t N>
std::optional<Enum> Parse(const std::array<std::pair<Enum, std::string_view>, N>& texts,
                          std::string_view text) {
  for (const auto& [value, name] : texts) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view EventKindText(EventKind kind) { return TextOf(kEventKinds, kind); }

std::optional<EventKind> ParseEventKind(std::string_view text) { return Parse(kEventKinds, text); }

std::string_view RelayStateText(RelayState state) { return TextOf(kRelayStates, state); }

std::optional<RelayState> ParseRelayState(std::string_view text) {
  return Parse(kRelayStates, text);
}

std::string_view HistoryKindText(HistoryKind kind) { return TextOf(kHistoryKinds, kind); }

std::optional<HistoryKind> ParseHistoryKind(std::string_view text) {
  return Parse(kHistoryKinds, text);
}

}  // namespace subkeeper::store
