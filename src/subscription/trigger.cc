#include "subkeeper/subscription/trigger.h"

#include <array>
#include <utility>

namespace subkeeper::subscription {
namespace {

constexpr std::array<std::pair<RenewedBy, std::string_view>, 8> kTexts{{
    {RenewedBy::kNone, ""},
    {RenewedBy::kReminder, "reminder"},
    {RenewedBy::kTimer, "timer"},
    {RenewedBy::kManual, "manual"},
    {RenewedBy::kStartup, "startup"},
    {RenewedBy::kCreate, "create"},
    {RenewedBy::kAdopt, "adopt"},
    {RenewedBy::kUpdate, "update"},
}};

}  // namespace

std::string_view RenewedByText(RenewedBy by) {
  for (const auto& [value, text] : kTexts) {
    if (value == by) return text;
  }
  return "";
}

std::optional<RenewedBy> ParseRenewedBy(std::string_view text) {
  for (const auto& [value, name] : kTexts) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace subkeeper::subscription
