#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "subkeeper/common/time_format.h"
#include "subkeeper/platform/errors.h"

namespace subkeeper::platform {
namespace {

// The spec's CreateSubscriptionResponseWebhook example, plus an unknown field.
const char kSpecExample[] = R"({
  "uri": "https://platform.ringcentral.com/restapi/v1.0/subscription/dd2f0ff2-580e-4581-a277-76f9c9a54bc9",
  "id": "dd2f0ff2-580e-4581-a277-76f9c9a54bc9",
  "creationTime": "2016-03-30T11:16:23.162Z",
  "status": "Active",
  "eventFilters": ["/restapi/v1.0/account/10366034004/extension/10366034004/presence",
                   "/restapi/v1.0/account/10366034004/extension/10366034004/message-store"],
  "expirationTime": "2016-04-06T11:16:23.177Z",
  "expiresIn": 604799,
  "deliveryMode": {"transportType": "WebHook", "encryption": false,
                   "address": "https://consumer-host.example.com/consumer/path"},
  "someFutureField": {"nested": [1, 2, 3]}
})";

// The docs' blacklist.json sample, completed with the fields the spec requires.
const char kBlacklisted[] = R"({
  "uri": "https://platform.ringcentral.com/restapi/v1.0/subscription/1423e408-aaaa",
  "id": "1423e408-aaaa", "status": "Blacklisted",
  "creationTime": "2022-03-14T01:45:30.573Z",
  "eventFilters": ["/restapi/v1.0/glip/posts", "/restapi/v1.0/subscription/~?threshold=60&interval=15"],
  "disabledFilters": [{"filter": "/restapi/v1.0/account/~/telephony/sessions",
                       "reason": "Permission", "message": "ReadCallLog required"}],
  "expirationTime": "2037-03-14T01:45:30.573Z", "expiresIn": 464203396,
  "deliveryMode": {"transportType": "WebHook", "encryption": false, "address": "https://bot.example/bot/webhook"},
  "blacklistedData": {"reason": "I/O operation is failed. Details: [Read timed out]",
                      "blacklistedAt": "2022-06-28T05:24:00.720Z"}
})";

TEST_CASE("ParseSubscription reads the spec's example", "[platform]") {
  Result<RemoteSubscription> parsed = ParseSubscription(kSpecExample);
  REQUIRE(parsed.ok());
  const RemoteSubscription& s = *parsed;
  CHECK(s.id == "dd2f0ff2-580e-4581-a277-76f9c9a54bc9");
  CHECK(s.status.word() == "Active");
  REQUIRE(s.event_filters.size() == 2);
  CHECK(s.event_filters[1] ==
        "/restapi/v1.0/account/10366034004/extension/10366034004/message-store");
  CHECK(s.disabled_filters.empty());
  CHECK(s.transport_type == "WebHook");
  CHECK(s.address == "https://consumer-host.example.com/consumer/path");
  CHECK(s.creation_time == *ParseIso8601("2016-03-30T11:16:23.162Z"));
  CHECK(s.expiration_time == *ParseIso8601("2016-04-06T11:16:23.177Z"));
  CHECK(ToUnixMillis(s.expiration_time) == 1459941383177);
  CHECK(s.expires_in_s == 604799);
  CHECK(s.blacklisted_reason.empty());
}

TEST_CASE("ParseSubscription reads a blacklisted subscription", "[platform]") {
  Result<RemoteSubscription> parsed = ParseSubscription(kBlacklisted);
  REQUIRE(parsed.ok());
  CHECK(parsed->status.word() == "Blacklisted");
  CHECK(parsed->blacklisted_reason == "I/O operation is failed. Details: [Read timed out]");
  CHECK(parsed->blacklisted_at == *ParseIso8601("2022-06-28T05:24:00.720Z"));
  REQUIRE(parsed->disabled_filters.size() == 1);
  CHECK(parsed->disabled_filters[0].filter == "/restapi/v1.0/account/~/telephony/sessions");
  CHECK(parsed->disabled_filters[0].reason == "Permission");
  CHECK(parsed->disabled_filters[0].message == "ReadCallLog required");
  CHECK(parsed->event_filters[1] == "/restapi/v1.0/subscription/~?threshold=60&interval=15");
  CHECK(parsed->expires_in_s == 464203396);
}

TEST_CASE("ParseSubscription names a missing or malformed field", "[platform]") {
  for (const std::string field :
       {"id", "status", "eventFilters", "deliveryMode", "creationTime", "expirationTime"}) {
    nlohmann::json doc = nlohmann::json::parse(kSpecExample);
    doc.erase(field);
    Result<RemoteSubscription> parsed = ParseSubscription(doc.dump());
    INFO(field);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInternal);
    CHECK(parsed.status().message().find(field) != std::string::npos);
  }
  nlohmann::json bad_time = nlohmann::json::parse(kSpecExample);
  bad_time["expirationTime"] = "next tuesday";
  CHECK(ParseSubscription(bad_time.dump()).status().message().find("expirationTime") !=
        std::string::npos);
  nlohmann::json bad_filters = nlohmann::json::parse(kSpecExample);
  bad_filters["eventFilters"] = {1, 2};
  CHECK(ParseSubscription(bad_filters.dump()).status().code() == StatusCode::kInternal);
  CHECK(ParseSubscription("not json").status().code() == StatusCode::kInternal);
  CHECK(ParseSubscription("[]").status().code() == StatusCode::kInternal);
}

TEST_CASE("ParseSubscriptionList reads records", "[platform]") {
  const std::string list =
      std::string(R"({"uri":"x","records":[)") + kSpecExample + "," + kBlacklisted + "]}";
  Result<std::vector<RemoteSubscription>> parsed = ParseSubscriptionList(list);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0].status.word() == "Active");
  CHECK((*parsed)[1].status.word() == "Blacklisted");
  CHECK(ParseSubscriptionList(R"({"records":[]})")->empty());
  CHECK(ParseSubscriptionList(R"({"uri":"x"})").status().message().find("records") !=
        std::string::npos);
  CHECK_FALSE(ParseSubscriptionList(R"({"records":[{"id":"x"}]})").ok());
}

}  // namespace
}  // namespace subkeeper::platform
