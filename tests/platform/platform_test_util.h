// Helpers shared by the platform tests: canned credentials, token answers and a router that
// plays the token endpoint and the subscription API on a FakeTransport.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/platform/account_state.h"
#include "subkeeper/platform/rest_client.h"
#include "support/fake_transport.h"

namespace subkeeper::platform::test {

inline constexpr char kServer[] = "https://platform.test";
inline constexpr char kClientId[] = "client-id";
inline constexpr char kClientSecret[] = "client-secret-s3cr3t";
inline constexpr char kJwt[] = "eyJhbGciOiJSUzI1NiJ9.payload+/=.signature";
inline constexpr char kTokenPath[] = "/restapi/oauth/token";

inline ClientOptions Options() {
  ClientOptions options;
  options.server = kServer;
  options.client_id = kClientId;
  options.client_secret = Secret(kClientSecret);
  options.timeout = std::chrono::milliseconds(1234);
  return options;
}

inline std::map<std::string, AccountCredentials> Accounts() {
  return {{"main", AccountCredentials{Secret(kJwt), Secret()}}};
}

// An AccountStateStore in memory: what a restarted keeper would find in the store. Thread-safe.
class MemoryAccountState final : public AccountStateStore {
 public:
  Result<std::vector<AccountSnapshot>> LoadAccounts() override {
    std::lock_guard lock(mu_);
    std::vector<AccountSnapshot> out;
    for (const auto& [_, record] : accounts_) out.push_back(record);
    return out;
  }
  Status SaveAccount(const AccountSnapshot& record) override {
    std::lock_guard lock(mu_);
    accounts_[record.account] = record;
    ++account_saves_;
    return Status::OK();
  }
  Result<std::vector<RateBlock>> LoadRateBlocks(WallTime now) override {
    std::lock_guard lock(mu_);
    std::vector<RateBlock> out;
    for (const auto& block : blocks_) {
      if (block.until > now) out.push_back(block);
    }
    return out;
  }
  Status SaveRateBlock(const RateBlock& block) override {
    std::lock_guard lock(mu_);
    for (auto& existing : blocks_) {
      if (existing.account == block.account && existing.group == block.group) {
        existing.until = block.until;
        return Status::OK();
      }
    }
    blocks_.push_back(block);
    return Status::OK();
  }

  std::optional<AccountSnapshot> Account(const std::string& account) const {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(account);
    if (it == accounts_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<RateBlock> Blocks() const {
    std::lock_guard lock(mu_);
    return blocks_;
  }
  int AccountSaves() const {
    std::lock_guard lock(mu_);
    return account_saves_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, AccountSnapshot> accounts_;  // guarded by mu_
  std::vector<RateBlock> blocks_;                    // guarded by mu_
  int account_saves_ = 0;                            // guarded by mu_
};

inline std::string TokenJson(const std::string& access, int expires_in,
                             const std::string& refresh = "", int refresh_expires_in = 0) {
  std::string out = R"({"access_token":")" + access + R"(","token_type":"bearer","expires_in":)" +
                    std::to_string(expires_in) +
                    R"(,"scope":"SubscriptionWebhook","session_id":"s")";
  if (!refresh.empty()) out += R"(,"refresh_token":")" + refresh + "\"";
  if (refresh_expires_in > 0) {
    out += R"(,"refresh_token_expires_in":)" + std::to_string(refresh_expires_in);
  }
  return out + "}";
}

// The value of `name` in an application/x-www-form-urlencoded body (still encoded).
inline std::string FormField(std::string_view body, std::string_view name) {
  const std::string key = std::string(name) + "=";
  size_t pos = 0;
  while (pos <= body.size()) {
    const size_t end = std::min(body.find('&', pos), body.size());
    std::string_view pair = body.substr(pos, end - pos);
    if (pair.starts_with(key)) return std::string(pair.substr(key.size()));
    pos = end + 1;
  }
  return "";
}

inline std::string SubscriptionJson(const std::string& id, const std::string& status = "Active") {
  return R"({"uri":"https://platform.test/restapi/v1.0/subscription/)" + id + R"(","id":")" + id +
         R"(","status":")" + status +
         R"(","creationTime":"2024-01-01T00:00:00.000Z","expirationTime":"2024-01-08T00:00:00.000Z",)"
         R"("expiresIn":604799,"eventFilters":["/restapi/v1.0/account/1/extension/2/presence"],)"
         R"("deliveryMode":{"transportType":"WebHook","encryption":false,"address":"https://h/webhooks/main/a"}})";
}

// True when `status` mentions a credential or any token the tests hand out (all of which start
// with "access-" or "refresh-").
inline bool LeaksSecret(const Status& status) {
  const std::string text = status.ToString();
  for (std::string_view secret : {std::string_view(kClientSecret), std::string_view(kJwt),
                                  std::string_view("access-"), std::string_view("refresh-")}) {
    if (text.find(secret) != std::string::npos) return true;
  }
  return false;
}

// Answers token requests with "access-N"/"refresh-N" (N counting from 1) and every other
// request with `api_status` and a SubscriptionInfo body (or a list, for a GET of the
// collection). Counters are atomic so the router can run on many threads.
struct Router {
  std::atomic<int> tokens_issued{0};
  int expires_in = 3600;
  int refresh_expires_in = 604800;
  int api_status = 200;

  Result<http::HttpResponse> operator()(const http::HttpRequest& request) {
    if (request.url.find(kTokenPath) != std::string::npos) {
      const int n = ++tokens_issued;
      return testing::FakeTransport::Response(
          200, TokenJson("access-" + std::to_string(n), expires_in, "refresh-" + std::to_string(n),
                         refresh_expires_in));
    }
    if (request.method == "GET" && request.url.ends_with("/subscription")) {
      return testing::FakeTransport::Response(api_status,
                                              R"({"records":[)" + SubscriptionJson("sub-1") + "]}");
    }
    if (request.method == "DELETE") return testing::FakeTransport::Response(204);
    return testing::FakeTransport::Response(api_status, SubscriptionJson("sub-1"));
  }
};

// Installs `router` (which must outlive the transport's use) as the transport's handler.
inline void Route(testing::FakeTransport& transport, Router& router) {
  transport.SetHandler([&router](const http::HttpRequest& request) { return router(request); });
}

}  // namespace subkeeper::platform::test
