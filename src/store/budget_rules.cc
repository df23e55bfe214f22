#include "budget_rules.h"

#include <algorithm>

namespace subkeeper::store {

SpendDecision SpendFromLog(std::vector<int64_t> sent, int limit, Millis window, int64_t now_ms) {
  SpendDecision out;
  const int64_t horizon = now_ms - window.count();
  std::sort(sent.begin(), sent.end());
  sent.erase(sent.begin(), std::upper_bound(sent.begin(), sent.end(), horizon));
  if (static_cast<int64_t>(sent.size()) < std::max(limit, 0)) {
    sent.push_back(now_ms);
    out.spent = true;
  } else if (!sent.empty()) {
    // The request that frees a slot is the one `limit` places from the end.
    const int64_t frees = sent[sent.size() - static_cast<size_t>(std::max(limit, 1))];
    out.wait = Millis(std::max<int64_t>(1, frees + window.count() - now_ms));
  } else {
    out.wait = window;  // a limit of 0: nothing is ever spent
  }
  out.sent = std::move(sent);
  return out;
}

}  // namespace subkeeper::store
