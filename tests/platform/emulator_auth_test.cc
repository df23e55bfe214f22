// The token manager against the rc-emulator's OAuth (in process): an account configured with
// only a refresh token keeps working across the emulator's single-use refresh tokens.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "platform/platform_test_util.h"
#include "rcemu/platform.h"
#include "subkeeper/common/crypto.h"
#include "subkeeper/platform/rest_client.h"

namespace subkeeper::platform {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::HttpTransport;

using std::chrono::seconds;
using namespace test;  // NOLINT: test helpers

// Sends requests to an in-process rcemu::Platform (outbound deliveries go nowhere).
class EmulatorTransport final : public HttpTransport {
 public:
  explicit EmulatorTransport(const ManualClock& clock)
      : clock_(clock), platform_(EmulatorOptions(), nowhere_, clock) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    REQUIRE(request.url.starts_with(kServer));
    rcemu::Request call{request.method, request.url.substr(std::string(kServer).size()),
                        request.headers, request.body};
    rcemu::Response answer = platform_.Handle(call, clock_.Now());
    ++sent_;
    return HttpResponse{answer.status, answer.headers, answer.body};
  }

  // A refresh token from a JWT login made outside the keeper (as an interactive app would).
  std::string RefreshTokenFromLogin() {
    rcemu::Request login{
        "POST",
        "/restapi/oauth/token",
        {{"Authorization", "Basic " + Base64Encode(std::string(kClientId) + ":" + kClientSecret)}},
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&"
        "assertion=jwt-alice"};
    rcemu::Response answer = platform_.Handle(login, clock_.Now());
    REQUIRE(answer.status == 200);
    return nlohmann::json::parse(answer.body)["refresh_token"].get<std::string>();
  }
  int sent() const { return sent_; }

 private:
  static rcemu::Options EmulatorOptions() {
    rcemu::Options options;
    options.client_id = kClientId;
    options.client_secret = Secret(kClientSecret);
    options.seed = "token-test";
    options.refresh_token_ttl = seconds(86400);
    return options;
  }

  const ManualClock& clock_;
  testing::FakeTransport nowhere_;
  rcemu::Platform platform_;
  int sent_ = 0;
};

TEST_CASE("A refresh-token-only account works against the emulator", "[platform]") {
  ManualClock clock;
  EmulatorTransport transport(clock);
  MemoryAccountState state;
  const std::string configured = transport.RefreshTokenFromLogin();
  std::map<std::string, AccountCredentials> accounts = {
      {"rt", AccountCredentials{Secret(), Secret(configured)}}};
  auto client = std::make_unique<RestClient>(Options(), accounts, transport, clock, &state);

  REQUIRE(client->List("rt").ok());
  const std::string first_successor = state.Account("rt")->refresh_token.Reveal();
  CHECK(first_successor != configured);

  // Keep-alive at 75% of the 1-day refresh lifetime; the emulator's access tokens last 1 h, so
  // the refresh also gives a new access token.
  CHECK(client->KeepAlive() == clock.Now() + seconds(64800));
  clock.Advance(seconds(64800));
  client->KeepAlive();
  const std::string second_successor = state.Account("rt")->refresh_token.Reveal();
  CHECK(second_successor != first_successor);
  REQUIRE(client->List("rt").ok());

  // A restart continues from the persisted successor, well past the configured token's life.
  clock.Advance(seconds(64800));
  client->KeepAlive();
  client = std::make_unique<RestClient>(Options(), accounts, transport, clock, &state);
  clock.Advance(seconds(64800));
  CHECK(client->KeepAlive() > clock.Now());
  Result<std::vector<RemoteSubscription>> listed = client->List("rt");
  REQUIRE(listed.ok());
  for (const AccountStatus& status : client->Accounts()) {
    CHECK(status.state == platform::CredentialState::kReady);
    CHECK(status.auth_failures == 0);
  }
}

}  // namespace
}  // namespace subkeeper::platform
