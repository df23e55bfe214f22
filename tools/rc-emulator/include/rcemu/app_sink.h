// rcemu::AppSink — a stand-in for the user's application in demos: it receives what subkeeper
// relays to `deliver_to` (POST /_emulator/app/<anything>), remembers the last kMaxRecords
// requests and, when it knows the signing secret, checks the Standard Webhooks signature the way
// an app would (subkeeper::relay::Verify with the default 300 s tolerance).
//
// It always answers 200 `{}`: it observes and reports (a BAD signature is recorded and logged),
// it never makes the relay retry.
//
// Logs one info line per request (webhook-id, subscription, kind, signature result); never the
// signature itself nor the secret.
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "rcemu/types.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/common/secret.h"

namespace rcemu {

// The outcome of the signature check of one request.
enum class SignatureCheck {
  kUnchecked,  // the sink has no secret
  kOk,
  kBad,  // missing headers, wrong key, altered body, or a timestamp outside the tolerance
};
const char* SignatureCheckName(SignatureCheck check);  // "unchecked", "ok", "BAD"

// One request the sink received.
struct AppRecord {
  int64_t seq = 0;
  WallTime time;
  std::string path;
  std::string webhook_id;
  std::string webhook_timestamp;
  std::string account;       // subkeeper-account
  std::string subscription;  // subkeeper-subscription
  std::string kind;          // subkeeper-event-kind: "event" or "lifecycle"
  int64_t body_bytes = 0;
  SignatureCheck signature = SignatureCheck::kUnchecked;
};

class AppSink {
 public:
  // `secret` empty: signatures are not checked. Otherwise it is a Standard Webhooks secret
  // (subkeeper::relay::SigningKey) and a request passes when any of the signatures in its
  // webhook-signature (one per key the keeper signs with) matches; any other secret fails every
  // request.
  explicit AppSink(const subkeeper::Secret& secret);

  // Records one POST and answers 200 `{}`.
  Response Receive(const Request& request, WallTime now);

  // Oldest first; at most kMaxRecords (seq keeps counting past dropped ones).
  std::vector<AppRecord> Records() const;
  void Clear();

  static constexpr size_t kMaxRecords = 200;

 private:
  SignatureCheck Check(const Request& request, WallTime now) const;

  const bool checking_;    // a secret was given
  const std::string key_;  // its HMAC key; empty when it is not a Standard Webhooks secret
  mutable subkeeper::Mutex mu_;
  std::deque<AppRecord> records_ GUARDED_BY(mu_);
  int64_t seq_ GUARDED_BY(mu_) = 0;
};

}  // namespace rcemu
