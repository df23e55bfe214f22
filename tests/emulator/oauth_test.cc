#include <catch2/catch.hpp>

#include "emulator_fixture.h"

namespace rcemu::testing {
namespace {

const char* kList = "/restapi/v1.0/subscription";

TEST_CASE("JWT grant returns TokenInfo with a stable user", "[emulator]") {
  Emulator emu;
  auto info = emu.Login("jwt-alice");
  CHECK(info["token_type"] == "bearer");
  CHECK(info["expires_in"] == 3600);
  CHECK(info["refresh_token_expires_in"] == 604800);
  CHECK_FALSE(info["refresh_token"].get<std::string>().empty());
  CHECK_FALSE(info["session_id"].get<std::string>().empty());
  CHECK(info.contains("scope"));
  CHECK(info.contains("endpoint_id"));
  const std::string owner = info["owner_id"];
  CHECK(owner.find_first_not_of("0123456789") == std::string::npos);
  CHECK(emu.Login("jwt-alice")["owner_id"] == owner);
  CHECK(emu.Login("jwt-bob")["owner_id"] != owner);
  CHECK(emu.Call("GET", kList, "", info["access_token"]).status == 200);
}

TEST_CASE("token endpoint rejects bad client credentials and revoked JWTs", "[emulator]") {
  Emulator emu;
  auto bad = emu.TokenCall("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=a",
                           "demo-client", "x");
  CHECK(bad.status == 401);
  CHECK(Json(bad)["error"] == "invalid_client");
  CHECK(ErrorCode(bad) == "OAU-123");
  CHECK(bad.body.find("demo-secret") == std::string::npos);
  Request no_auth{"POST", "/restapi/oauth/token", {}, "grant_type=refresh_token"};
  CHECK(emu.platform.Handle(no_auth, emu.clock.Now()).status == 401);

  CHECK(emu.Control("POST", "/_emulator/revoke-jwt", R"({"assertion":"jwt-alice"})").status == 200);
  auto revoked =
      emu.TokenCall("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=jwt-alice");
  CHECK(revoked.status == 400);
  CHECK(Json(revoked)["error"] == "invalid_grant");
  CHECK(ErrorCode(revoked).starts_with("OAU-"));
}

TEST_CASE("refresh tokens are single-use and invalidate the old access token", "[emulator]") {
  Emulator emu;
  auto first = emu.Login();
  const std::string refresh = first["refresh_token"];
  auto second = emu.TokenCall("grant_type=refresh_token&refresh_token=" + refresh);
  REQUIRE(second.status == 200);
  auto info = Json(second);
  CHECK(info["access_token"] != first["access_token"]);
  CHECK(info["owner_id"] == first["owner_id"]);
  auto reuse = emu.TokenCall("grant_type=refresh_token&refresh_token=" + refresh);
  CHECK(reuse.status == 400);
  CHECK(Json(reuse)["error"] == "invalid_grant");
  auto old = emu.Call("GET", kList, "", first["access_token"]);
  CHECK(old.status == 401);
  CHECK(ErrorCode(old) == "OAU-213");
  CHECK(emu.Call("GET", kList, "", info["access_token"]).status == 200);
}

TEST_CASE("access tokens expire with OAU-128; missing auth is AGW-401", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  emu.clock.Advance(std::chrono::seconds(3599));
  CHECK(emu.Call("GET", kList, "", token).status == 200);
  emu.clock.Advance(std::chrono::seconds(1));
  auto expired = emu.Call("GET", kList, "", token);
  CHECK(expired.status == 401);
  CHECK(ErrorCode(expired) == "OAU-128");
  auto missing = emu.Call("GET", kList);
  CHECK(missing.status == 401);
  CHECK(ErrorCode(missing) == "AGW-401");
  CHECK(ErrorCode(emu.Call("GET", kList, "", "nope")) == "OAU-213");
}

TEST_CASE("revoke ends the whole session", "[emulator]") {
  Emulator emu;
  auto info = emu.Login();
  Request req{
      "POST", "/restapi/oauth/revoke", {}, "token=" + info["access_token"].get<std::string>()};
  req.headers.emplace_back("Authorization",
                           "Basic " + subkeeper::Base64Encode("demo-client:demo-secret"));
  CHECK(emu.platform.Handle(req, emu.clock.Now()).status == 200);
  CHECK(emu.Call("GET", kList, "", info["access_token"]).status == 401);
  auto refresh = emu.TokenCall("grant_type=refresh_token&refresh_token=" +
                               info["refresh_token"].get<std::string>());
  CHECK(refresh.status == 400);
}

}  // namespace
}  // namespace rcemu::testing
