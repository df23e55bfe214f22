#include "subkeeper/platform/types.h"

namespace subkeeper::platform {

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
