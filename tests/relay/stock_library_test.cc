// relay::Sign / SignAll against the stock Standard Webhooks library (npm standardwebhooks 1.3.0,
// `new Webhook(secret).verify(body, headers)` with no options), which is what apps verify with:
// https://www.standardwebhooks.com. The negative cases prove the harness can fail.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "subkeeper/relay/signature.h"
#include "support/stock_verifier.h"

namespace subkeeper::relay {
namespace {

using testing::RelayedRequest;
using testing::VerifyWithStockLibrary;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RelayedRequest Signed(const std::vector<std::string>& keys, const std::string& id, int64_t ts,
                      const std::string& body) {
  return {{{"webhook-id", id},
           {"webhook-timestamp", std::to_string(ts)},
           {"webhook-signature", SignAll(keys, id, ts, body)},
           {"content-type", "application/json"}},
          body};
}

// Bodies the relay forwards untouched: empty, unicode (and escapes), large, odd whitespace.
std::vector<std::string> Bodies() {
  std::string large = "{\"items\":[";
  for (int i = 0; i < 20000; ++i) large += (i ? ",\"" : "\"") + std::to_string(i) + "-\xC3\xA9\"";
  large += "]}";
  return {
      "",
      "{}",
      R"({"uuid":"e-1","body":{"text":"h\u00e9llo"}})",
      "{\"text\":\"h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC\"}",
      "  {\"a\" : [1, 2.5, null, true]}\r\n",
      large,
  };
}

TEST_CASE("The stock library verifies Sign for varied ids, timestamps and bodies", "[relay][js]") {
  const Secret secret = NewSigningSecret();
  const std::string key = *SigningKey(secret);
  const int64_t now = NowSeconds();
  std::vector<RelayedRequest> requests;
  const std::vector<std::string> ids = {
      "msg_p5jXN8AQM9LWM0D4loKWxJek", "3f2c1a9e-5b7d-4c8e-9f10-1a2b3c4d5e6f", "x", "id.with.dots"};
  const std::vector<int64_t> timestamps = {now, now - 240, now + 60};
  for (const std::string& body : Bodies()) {
    for (size_t i = 0; i < ids.size(); ++i) {
      requests.push_back(Signed({key}, ids[i], timestamps[i % timestamps.size()], body));
    }
  }
  const auto verdict = VerifyWithStockLibrary(secret.Reveal(), requests);
  INFO(verdict.summary << verdict.error);
  CHECK(verdict.exit_code == 0);
  CHECK(verdict.total == static_cast<int>(requests.size()));
  CHECK(verdict.verified == verdict.total);
}

TEST_CASE("The stock library verifies a multi-key header with each key alone", "[relay][js]") {
  const std::vector<Secret> secrets = {NewSigningSecret(), NewSigningSecret(), NewSigningSecret()};
  std::vector<std::string> keys;
  for (const Secret& s : secrets) keys.push_back(*SigningKey(s));
  const std::vector<RelayedRequest> requests = {Signed(keys, "m-1", NowSeconds(), "{\"n\":1}"),
                                                Signed(keys, "m-2", NowSeconds(), "")};
  for (const Secret& s : secrets) {
    const auto verdict = VerifyWithStockLibrary(s.Reveal(), requests);
    INFO(verdict.summary << verdict.error);
    CHECK(verdict.exit_code == 0);
    CHECK(verdict.verified == 2);
  }
}

TEST_CASE("The stock library rejects a tampered body, id or timestamp and a wrong key",
          "[relay][js]") {
  const Secret secret = NewSigningSecret();
  const std::string key = *SigningKey(secret);
  const int64_t now = NowSeconds();
  const std::string body = R"({"uuid":"e-1","n":1})";
  std::vector<RelayedRequest> tampered;
  RelayedRequest r = Signed({key}, "e-1", now, body);
  r.body = R"({"uuid":"e-1","n":2})";
  tampered.push_back(r);
  r = Signed({key}, "e-1", now, body);
  r.headers.find("webhook-id")->second = "e-2";
  tampered.push_back(r);
  r = Signed({key}, "e-1", now, body);
  r.headers.find("webhook-timestamp")->second = std::to_string(now - 1);
  tampered.push_back(r);
  r = Signed({key}, "e-1", now - 600, body);  // signed right, but outside the 5-minute tolerance
  tampered.push_back(r);
  const auto bad = VerifyWithStockLibrary(secret.Reveal(), tampered, /*expect_fail=*/true);
  INFO(bad.summary << bad.error);
  CHECK(bad.exit_code == 0);
  CHECK(bad.rejected == 4);

  const std::vector<RelayedRequest> good = {Signed({key}, "e-1", now, body)};
  const auto wrong_key = VerifyWithStockLibrary(NewSigningSecret().Reveal(), good, true);
  INFO(wrong_key.summary << wrong_key.error);
  CHECK(wrong_key.exit_code == 0);
  CHECK(wrong_key.rejected == 1);
  // And the harness reports a failure when asked for the opposite.
  const auto expected_pass = VerifyWithStockLibrary(NewSigningSecret().Reveal(), good);
  CHECK(expected_pass.exit_code == 1);
  CHECK(expected_pass.verified == 0);
}

// The issue this fixes: a secret used as raw bytes is not what the library derives its key from.
TEST_CASE("A raw-bytes key (the old fallback) is one the stock library cannot verify",
          "[relay][js]") {
  // A plain webhook_secret that happens to be valid base64, so the library takes it and decodes
  // it (one with '-' would make `new Webhook` throw instead).
  const std::string raw = "DemoWebhookSecretKey2026";
  const std::vector<RelayedRequest> requests = {Signed({raw}, "e-1", NowSeconds(), "{}")};
  const auto verdict = VerifyWithStockLibrary(raw, requests, /*expect_fail=*/true);
  INFO(verdict.summary << verdict.error);
  CHECK(verdict.rejected == 1);
  CHECK(verdict.verified == 0);
}

}  // namespace
}  // namespace subkeeper::relay
