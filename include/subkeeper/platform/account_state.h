// Where the platform client keeps what must survive a restart: each account's tokens and
// credential state, and the rate-limit penalties in force. The app implements it over the store
// (store::Store's account methods); tests use an in-memory map. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/store/records.h"

namespace subkeeper::platform {

// What status pages and metrics show about one account. No secret.
struct AccountStatus {
  std::string account;
  std::string state;              // "logged_out" (no token yet) | "ready" | "auth_failed"
  WallTime access_expires_at{};   // unset when there is no access token
  WallTime refresh_expires_at{};  // unset when there is no refresh token
  int32_t auth_failures = 0;      // consecutive rejected logins
  WallTime next_login_at{};       // auth_failed: the next login attempt
  std::string last_error;         // why the last login failed; "" when it did not
};

class AccountStateStore {
 public:
  virtual ~AccountStateStore() = default;
  // Every saved account at once: one read at start-up instead of one per configured account.
  virtual Result<std::vector<store::AccountRecord>> LoadAccounts() = 0;
  virtual Status SaveAccount(const store::AccountRecord& record) = 0;
  virtual Result<std::vector<store::RateBlock>> LoadRateBlocks(WallTime now) = 0;
  virtual Status SaveRateBlock(const store::RateBlock& block) = 0;
};

// A one-way fingerprint of an account's configured credential (JWT and/or initial refresh
// token): 16 hex digits of SHA-256 over a domain tag and both values. Stored next to the tokens
// so that a changed credential in the config discards them. Never reveals the credential.
std::string CredentialFingerprint(const Secret& jwt, const Secret& refresh_token);

}  // namespace subkeeper::platform
