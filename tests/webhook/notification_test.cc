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

TEST_CASE("uuids the platform sends are accepted up to the bound", "[webhook]") {
  const std::string uuid = GENERATE(std::string("6696560186430840563"),
                                    std::string("95fecfc9-9cdc-4e94-a78a-89fd65889d37"),
                                    std::string("msg_2Lh9.x:1"), std::string(128, '7'));
  CAPTURE(uuid);
  CHECK(IsValidUuid(uuid));
  auto n = ParseNotification(R"({"uuid":")" + uuid + R"(","event":"e","subscriptionId":"s"})");
  REQUIRE(n.ok());
  CHECK(n->uuid == uuid);
}

// A uuid is relayed as the webhook-id header: one the relay could not send as it is (a CR/LF
// would smuggle headers or a request; a NUL or a huge one the app refuses would hold the
// subscription's later events) is refused at the door, with a reason that does not echo it.
TEST_CASE("uuids that are not a bounded printable token are rejected", "[webhook]") {
  const std::string escaped =
      GENERATE(std::string("a\\r\\nX-Evil: 1"), std::string("a\\nb"), std::string("a\\u0000b"),
               std::string(129, '7'), std::string(10240, 'u'), std::string("a b"),
               std::string("a\\\"b"), std::string("a,b"), std::string("caf\\u00e9"),
               std::string("a\\tb"), std::string("a\\u007fb"), std::string("a/b"));
  CAPTURE(escaped);
  const std::string body = R"({"uuid":")" + escaped + R"(","event":"e","subscriptionId":"s"})";
  auto n = ParseNotification(body);
  REQUIRE_FALSE(n.ok());
  CHECK(n.status().code() == StatusCode::kInvalidArgument);
  CHECK(n.status().message() == "invalid uuid: expected 1-128 characters of A-Z a-z 0-9 - _ . :");
  CHECK_FALSE(IsValidUuid(std::string("a\r\nb")));
  CHECK_FALSE(IsValidUuid(std::string("a\0b", 3)));
  CHECK_FALSE(IsValidUuid(""));
}

}  // namespace
}  // namespace subkeeper::webhook
