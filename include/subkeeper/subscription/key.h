// The identity of a configured subscription: (account, name), unique per keeper.
#pragma once

#include <string>

namespace subkeeper::subscription {

struct SubscriptionKey {
  std::string account;
  std::string name;
};

}  // namespace subkeeper::subscription
