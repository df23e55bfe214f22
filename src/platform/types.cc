#include "subkeeper/platform/types.h"

namespace subkeeper::platform {

RemoteStatus::Kind RemoteStatus::KindOf(std::string_view word) {
  if (word.empty()) return Kind::kUnknown;
  if (word == "Active") return Kind::kActive;
  if (word == "Blacklisted") return Kind::kBlacklisted;
  if (word == "Suspended") return Kind::kSuspended;
  return Kind::kOther;
}

RemoteStatus RemoteStatus::Of(std::string_view word) {
  RemoteStatus status(KindOf(word));
  if (status.kind_ == Kind::kOther) status.other_ = std::string(word);
  return status;
}

std::string_view RemoteStatus::word() const {
  switch (kind_) {
    case Kind::kUnknown:
      return "";
    case Kind::kActive:
      return "Active";
    case Kind::kBlacklisted:
      return "Blacklisted";
    case Kind::kSuspended:
      return "Suspended";
    case Kind::kOther:
      return other_;
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
