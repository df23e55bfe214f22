// The decision of AccountStateStore::SpendRequest on values: a sliding log of the requests sent
// in the window, so that no window of `window` ever holds more than `limit` requests (a token
// bucket refilled over the window would let twice the limit through a window that straddles a
// refill). Internal to src/store.
#pragma once

#include <cstdint>
#include <vector>

#include "subkeeper/common/clock.h"

namespace subkeeper::store {

struct SpendDecision {
  bool spent = false;
  std::vector<int64_t> sent;  // the log to store: pruned, with `now` appended when spent
  Millis wait{0};             // not spent: until the oldest request leaves the window
};

// `sent` holds Unix milliseconds, oldest first. Entries at or before now - window are dropped.
SpendDecision SpendFromLog(std::vector<int64_t> sent, int limit, Millis window, int64_t now_ms);

}  // namespace subkeeper::store
