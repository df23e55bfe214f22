#include "fleet.h"

#include <cstdio>
#include <random>

#include "subkeeper/subscription/delivery.h"
#include "subkeeper/subscription/reminder.h"
#include "subkeeper/subscription/token.h"

namespace bench {
namespace {

using subkeeper::Seconds;
using subkeeper::WallTime;

// The user's filter with `~` rewritten to numeric ids, as the platform returns it.
std::string Numeric(const std::string& filter, int64_t account_index) {
  const std::string account_id = std::to_string(400000000 + account_index);
  const std::string extension_id = std::to_string(700000000 + account_index);
  std::string out = filter;
  const std::string account_part = "/account/~";
  if (auto at = out.find(account_part); at != std::string::npos)
    out.replace(at, account_part.size(), "/account/" + account_id);
  const std::string extension_part = "/extension/~";
  if (auto at = out.find(extension_part); at != std::string::npos)
    out.replace(at, extension_part.size(), "/extension/" + extension_id);
  return out;
}

// A remote id shaped like the platform's (a UUID), derived from the index.
std::string RemoteId(uint64_t seed, int64_t index) {
  std::mt19937_64 rng(seed * 1000003u + static_cast<uint64_t>(index));
  char out[40];
  const uint64_t a = rng(), b = rng();
  std::snprintf(out, sizeof(out), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

}  // namespace

std::string AccountName(int64_t account_index) {
  char out[32];
  std::snprintf(out, sizeof(out), "acct-%05lld", static_cast<long long>(account_index + 1));
  return out;
}

const char* SubscriptionName(int slot) {
  static const char* const kNames[kPerAccount] = {"sms", "voicemail", "presence"};
  return kNames[slot];
}

const char* EventFilter(int slot) {
  static const char* const kFilters[kPerAccount] = {
      "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS",
      "/restapi/v1.0/account/~/extension/~/voicemail",
      "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"};
  return kFilters[slot];
}

subkeeper::store::SubscriptionRecord MakeRecord(const FleetOptions& options, int64_t index,
                                                WallTime now) {
  const int64_t account_index = index / kPerAccount;
  const int slot = static_cast<int>(index % kPerAccount);
  std::mt19937_64 rng(options.seed * 7919u + static_cast<uint64_t>(index));
  const double remaining_days = std::uniform_real_distribution<double>(
      options.min_remaining_days, options.max_remaining_days)(rng);
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(remaining_days * 86400.0));
  const auto reminder = subkeeper::subscription::DefaultReminder(options.expires_in_s);

  subkeeper::store::SubscriptionRecord r;
  r.account = AccountName(account_index);
  r.name = SubscriptionName(slot);
  r.event_filters = {EventFilter(slot)};
  r.expires_in_s = options.expires_in_s;
  r.reminder = reminder;
  r.address = subkeeper::subscription::RelayAddress(options.public_url, r.account, r.name);
  r.deliver_to = options.platform_url + "/_emulator/app/" + r.account + "-" + r.name;
  r.token_fingerprint = subkeeper::subscription::TokenFingerprint(
      subkeeper::subscription::DeriveVerificationToken(options.webhook_secret, r.account, r.name));
  r.remote_id = RemoteId(options.seed, index);
  r.status = subkeeper::platform::RemoteStatus::Active();
  r.remote_filters = {Numeric(r.event_filters[0], account_index),
                      subkeeper::subscription::ReminderFilter(reminder)};
  r.granted_ttl_s = options.expires_in_s;
  r.expires_at = now + remaining;
  r.remote_created_at = r.expires_at - Seconds(options.expires_in_s);
  // The fallback timer as RenewalService::Apply sets it for a relayed subscription.
  r.next_renewal_at = r.expires_at - Seconds(reminder.threshold_s / 2);
  r.last_renewed_at = r.remote_created_at;
  r.last_trigger = subkeeper::subscription::RenewedBy::kCreate;
  return r;
}

subkeeper::Status SeedFleet(subkeeper::store::SubscriptionStore& store, const FleetOptions& options,
                            WallTime now, const AdjustRecord& adjust) {
  const int64_t step = std::max<int64_t>(1, options.subscriptions / 10);
  for (int64_t i = 0; i < options.subscriptions; ++i) {
    auto record = MakeRecord(options, i, now);
    if (adjust) SK_RETURN_IF_ERROR(adjust(i, record));
    SK_RETURN_IF_ERROR(store.PutSubscription(record, std::nullopt));
    if ((i + 1) % step == 0) {
      std::fprintf(stderr, "seeded %lld of %lld\n", static_cast<long long>(i + 1),
                   static_cast<long long>(options.subscriptions));
    }
  }
  return subkeeper::Status::OK();
}

}  // namespace bench
