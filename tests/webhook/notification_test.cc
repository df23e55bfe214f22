#include "subkeeper/webhook/notification.h"

#include <catch2/catch.hpp>
#include <string>

namespace subkeeper::webhook {
namespace {

TEST_CASE("parses the documented envelope", "[webhook]") {
  auto n = ParseNotification(R"({"uuid":"6696560186430840563","event":"/restapi/v1.0/glip/posts",
    "timestamp":"2021-09-13T23:33:23.079Z","subscriptionId":"1bbb4073-8235",
    "ownerId":"304027004","body":{"id":"5341265924","text":"ping"},"extra":[1,2]})");
  REQUIRE(n.ok());
  CHECK(n->uuid == "6696560186430840563");
  CHECK(n->event == "/restapi/v1.0/glip/posts");
  CHECK(n->subscription_id == "1bbb4073-8235");
  CHECK(n->timestamp == "2021-09-13T23:33:23.079Z");
  CHECK(n->owner_id == "304027004");
}

TEST_CASE("optional envelope fields may be absent, body may be any JSON", "[webhook]") {
  auto n = ParseNotification(R"({"uuid":"u","event":"e","subscriptionId":"s","body":"x"})");
  REQUIRE(n.ok());
  CHECK(n->timestamp.empty());
  CHECK(n->owner_id.empty());
}

TEST_CASE("malformed envelopes are rejected with a short reason", "[webhook]") {
  const auto [body, reason] = GENERATE(table<std::string, std::string>({
      {"", "body is not valid JSON"},
      {"{", "body is not valid JSON"},
      {"[1]", "body is not a JSON object"},
      {"\"text\"", "body is not a JSON object"},
      {R"({"event":"e","subscriptionId":"s"})", "missing string field 'uuid'"},
      {R"({"uuid":"","event":"e","subscriptionId":"s"})", "missing string field 'uuid'"},
      {R"({"uuid":7,"event":"e","subscriptionId":"s"})", "missing string field 'uuid'"},
      {R"({"uuid":"u","subscriptionId":"s"})", "missing string field 'event'"},
      {R"({"uuid":"u","event":"e"})", "missing string field 'subscriptionId'"},
      {R"({"uuid":"u","event":"e","subscriptionId":"s","ownerId":5})",
       "field 'ownerId' is not a string"},
      {R"({"uuid":"u","event":"e","subscriptionId":"s","timestamp":{}})",
       "field 'timestamp' is not a string"},
  }));
  CAPTURE(body);
  auto n = ParseNotification(body);
  REQUIRE_FALSE(n.ok());
  CHECK(n.status().code() == StatusCode::kInvalidArgument);
  CHECK(n.status().message() == reason);
}

}  // namespace
}  // namespace subkeeper::webhook
