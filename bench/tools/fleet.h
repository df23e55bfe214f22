// A synthetic fleet of relayed subscriptions for the scale benchmarks (B6-B8): three per
// account ("acct-00001" ... ), each a record like the one the keeper keeps after creating or
// renewing a live relayed subscription. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/store/records.h"
#include "subkeeper/store/subscription_store.h"

namespace bench {

struct FleetOptions {
  int64_t subscriptions = 0;  // N records, for ceil(N / 3) accounts
  uint64_t seed = 1;
  // Where the keeper will be reached, for the records' delivery addresses.
  std::string public_url = "http://127.0.0.1:8080";
  // The platform (the emulator) base URL; deliver_to points at its app sink.
  std::string platform_url = "http://127.0.0.1:18080";
  subkeeper::Secret webhook_secret{"bench-webhook-secret"};
  // relay.signing_secret: a Standard Webhooks secret, required since every record relays.
  subkeeper::Secret signing_secret{"whsec_YmVuY2gtcmVsYXktc2lnbmluZy1rZXktMzJieXRlcyE="};
  int64_t expires_in_s = 604800;  // the keeper's default lifetime (7 days)
  // Remaining lifetime at `now`, uniformly spread over [min, max] days: with the default
  // reminder threshold (1 day) the fallback timers then fall between 1.5 and 6.5 days ahead,
  // so nothing is due while a benchmark runs.
  double min_remaining_days = 2.0;
  double max_remaining_days = 7.0;
};

inline constexpr int kPerAccount = 3;

std::string AccountName(int64_t account_index);  // 0 -> "acct-00001"
const char* SubscriptionName(int slot);          // 0..2 -> "sms", "voicemail", "presence"
const char* EventFilter(int slot);               // the user's filter of that slot

// Record `index` (0-based) of the fleet, as written at `now`.
subkeeper::store::SubscriptionRecord MakeRecord(const FleetOptions& options, int64_t index,
                                                subkeeper::WallTime now);

// Changes record `index` before it is written (e.g. to the ids a platform returned).
using AdjustRecord =
    std::function<subkeeper::Status(int64_t index, subkeeper::store::SubscriptionRecord&)>;

// Writes every record of the fleet through SubscriptionStore::PutSubscription (one transaction
// each, as the keeper writes them), each passed through `adjust` when given. Prints progress to
// stderr every 10 %.
subkeeper::Status SeedFleet(subkeeper::store::SubscriptionStore& store, const FleetOptions& options,
                            subkeeper::WallTime now, const AdjustRecord& adjust = {});

}  // namespace bench
