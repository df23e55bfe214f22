// Platform::ExpiredPurges: what the simulation counts as "expired".
#include <catch2/catch.hpp>

#include "emulator_fixture.h"

namespace rcemu::testing {
namespace {

TEST_CASE("ExpiredPurges counts only subscriptions the job purged at expiry", "[emulator]") {
  Emulator emu;
  const std::string token = emu.Token();
  Json(emu.Create(token, {kPresence}, 100));
  const std::string purged = Json(emu.Create(token, {kPresence}, 100))["id"];
  const std::string deleted = Json(emu.Create(token, {kPresence}, 100))["id"];
  REQUIRE(emu.platform.Purge(purged));
  REQUIRE(emu.Call("DELETE", "/restapi/v1.0/subscription/" + deleted, "", token).status == 204);
  emu.clock.Advance(std::chrono::seconds(99));
  emu.platform.Tick(emu.clock.Now());
  CHECK(emu.platform.ExpiredPurges() == 0);
  emu.clock.Advance(std::chrono::seconds(1));
  emu.platform.Tick(emu.clock.Now());
  CHECK(emu.platform.ExpiredPurges() == 1);
  emu.platform.Tick(emu.clock.Now());
  CHECK(emu.platform.ExpiredPurges() == 1);
}

}  // namespace
}  // namespace rcemu::testing
