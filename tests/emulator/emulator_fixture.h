// Test helpers for the rc-emulator tests: a scriptable fake subscriber (HttpTransport) and a
// Platform on a ManualClock with shorthands for API calls.
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rcemu/platform.h"
#include "subkeeper/common/crypto.h"

namespace rcemu::testing {

using subkeeper::http::HttpRequest;
using subkeeper::http::HttpResponse;

// The well-behaved subscriber: 200, Validation-Token echoed, Content-Type application/json.
inline subkeeper::Result<HttpResponse> EchoHandshake(const HttpRequest& req) {
  HttpResponse resp;
  resp.status = 200;
  resp.headers.emplace_back("Content-Type", "application/json");
  if (const std::string* token = req.headers.Find("Validation-Token")) {
    resp.headers.emplace_back("Validation-Token", *token);
  }
  return resp;
}

class FakeSubscriber : public subkeeper::http::HttpTransport {
 public:
  using Handler = std::function<subkeeper::Result<HttpResponse>(const HttpRequest&)>;

  subkeeper::Result<HttpResponse> Send(const HttpRequest& request) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      handler = handler_;
    }
    return handler(request);
  }
  void SetHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  std::vector<HttpRequest> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Requests that were not validation handshakes.
  std::vector<HttpRequest> Notifications() const {
    std::vector<HttpRequest> out;
    for (auto& r : Requests()) {
      if (r.headers.Find("Validation-Token") == nullptr) out.push_back(r);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<HttpRequest> requests_;  // guarded by mu_
  Handler handler_ = EchoHandshake;    // guarded by mu_
};

inline Options TestOptions() {
  Options options;
  options.seed = "test-seed";
  return options;
}

inline const char* kReminder60 = "/restapi/v1.0/subscription/~?threshold=60&interval=15";
inline const char* kPresence = "/restapi/v1.0/account/~/extension/~/presence";

struct Emulator {
  explicit Emulator(Options options = TestOptions()) : platform(options, hook, clock) {}

  Response Call(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& token = "") {
    Request req{method, target, {}, body};
    if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
    return platform.Handle(req, clock.Now());
  }
  Response Control(const std::string& method, const std::string& target,
                   const std::string& body = "") {
    return platform.Handle(Request{method, target, {}, body}, clock.Now());
  }
  Response TokenCall(const std::string& form, const std::string& id = "demo-client",
                     const std::string& secret = "demo-secret") {
    Request req{"POST", "/restapi/oauth/token", {}, form};
    req.headers.emplace_back("Authorization",
                             "Basic " + subkeeper::Base64Encode(id + ":" + secret));
    return platform.Handle(req, clock.Now());
  }
  nlohmann::json Login(const std::string& assertion = "jwt-alice") {
    Response resp = TokenCall(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion);
    return nlohmann::json::parse(resp.body);
  }
  std::string Token(const std::string& assertion = "jwt-alice") {
    return Login(assertion)["access_token"].get<std::string>();
  }
  static std::string CreateBody(const std::vector<std::string>& filters,
                                std::optional<int64_t> expires_in = std::nullopt,
                                const std::string& verification = "") {
    nlohmann::json body = {
        {"eventFilters", filters},
        {"deliveryMode",
         {{"transportType", "WebHook"}, {"address", "http://127.0.0.1:9/webhooks/main/sms"}}}};
    if (expires_in) body["expiresIn"] = *expires_in;
    if (!verification.empty()) body["deliveryMode"]["verificationToken"] = verification;
    return body.dump();
  }
  Response Create(const std::string& token, const std::vector<std::string>& filters,
                  std::optional<int64_t> expires_in = std::nullopt,
                  const std::string& verification = "") {
    return Call("POST", "/restapi/v1.0/subscription", CreateBody(filters, expires_in, verification),
                token);
  }

  subkeeper::ManualClock clock;
  FakeSubscriber hook;
  Platform platform;
};

inline nlohmann::json Json(const Response& resp) { return nlohmann::json::parse(resp.body); }
inline std::string ErrorCode(const Response& resp) {
  return Json(resp)["errors"][0]["errorCode"].get<std::string>();
}

}  // namespace rcemu::testing
