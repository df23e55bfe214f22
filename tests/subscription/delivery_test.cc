#include "subkeeper/subscription/delivery.h"

#include <catch2/catch.hpp>

namespace subkeeper::subscription {
namespace {

TEST_CASE("RelayAddress joins public_url and names", "[subscription]") {
  CHECK(RelayAddress("https://hooks.example.com", "main", "sms") ==
        "https://hooks.example.com/webhooks/main/sms");
  CHECK(RelayAddress("https://hooks.example.com/", "main", "sms") ==
        "https://hooks.example.com/webhooks/main/sms");
  CHECK(RelayAddress("http://127.0.0.1:8080/base//", "a-1", "b_2") ==
        "http://127.0.0.1:8080/base/webhooks/a-1/b_2");
}

TEST_CASE("the keeper owns the addresses under <public_url>/webhooks/", "[subscription]") {
  const std::string url = "https://hooks.example.com";
  CHECK(OwnsAddress(url, RelayAddress(url, "main", "sms")));
  CHECK(OwnsAddress(url + "/", RelayAddress(url, "main", "sms")));
  CHECK_FALSE(OwnsAddress(url, "https://hooks.example.com/other/main/sms"));
  CHECK_FALSE(OwnsAddress(url, "https://app.example.com/webhooks/main/sms"));
  CHECK_FALSE(OwnsAddress(url, "https://hooks.example.com/webhooks"));
  // Without a public URL nothing is ours.
  CHECK_FALSE(OwnsAddress("", "/webhooks/main/sms"));
}

TEST_CASE("an account owns only the addresses under its own name", "[subscription]") {
  const std::string url = "https://hooks.example.com";
  CHECK(OwnsAddressOf(url, "main", RelayAddress(url, "main", "sms")));
  CHECK_FALSE(OwnsAddressOf(url, "second", RelayAddress(url, "main", "sms")));
  // A name that is a prefix of another account's name is not that account.
  CHECK_FALSE(OwnsAddressOf(url, "mai", RelayAddress(url, "main", "sms")));
  CHECK_FALSE(OwnsAddressOf("", "main", "/webhooks/main/sms"));
}

}  // namespace
}  // namespace subkeeper::subscription
