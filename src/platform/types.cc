#include "subkeeper/platform/types.h"

#include <array>
#include <utility>

namespace subkeeper::platform {
namespace {

// The words of the spec's statuses (and of Suspended, from specs up to 2024-03).
constexpr std::array<std::pair<RemoteStatus::Kind, std::string_view>, 4> kStatusWords{{
    {RemoteStatus::Kind::kUnknown, ""},
    {RemoteStatus::Kind::kActive, "Active"},
    {RemoteStatus::Kind::kBlacklisted, "Blacklisted"},
    {RemoteStatus::Kind::kSuspended, "Suspended"},
}};

}  // namespace

RemoteStatus::Kind RemoteStatus::KindOf(std::string_view word) {
  for (const auto& [kind, known] : kStatusWords) {
    if (known == word) return kind;
  }
  return Kind::kOther;
}

RemoteStatus RemoteStatus::Of(std::string_view word) {
  RemoteStatus status(KindOf(word));
  if (status.kind_ == Kind::kOther) status.other_ = std::string(word);
  return status;
}

std::string_view RemoteStatus::word() const {
  for (const auto& [kind, known] : kStatusWords) {
    if (kind == kind_) return known;
  }
  return other_;
}

const char* RateGroupName(RateGroup group) {
  switch (group) {
    case RateGroup::kLight:
      return "Light";
    case RateGroup::kMedium:
      return "Medium";
    case RateGroup::kHeavy:
      return "Heavy";
    case RateGroup::kAuth:
      return "Auth";
  }
  return "Unknown";
}

}  // namespace subkeeper::platform
