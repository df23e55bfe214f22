#include "subkeeper/platform/account_state.h"

#include <catch2/catch.hpp>

namespace subkeeper::platform {
namespace {

TEST_CASE("A credential state is written as the text status and metrics show", "[platform]") {
  CHECK(CredentialStateText(CredentialState::kLoggedOut) == "logged_out");
  CHECK(CredentialStateText(CredentialState::kReady) == "ready");
  CHECK(CredentialStateText(CredentialState::kAuthFailed) == "auth_failed");
  for (CredentialState state :
       {CredentialState::kLoggedOut, CredentialState::kReady, CredentialState::kAuthFailed}) {
    CHECK(ParseCredentialState(CredentialStateText(state)) == state);
  }
  CHECK_FALSE(ParseCredentialState("").has_value());
  CHECK_FALSE(ParseCredentialState("Ready").has_value());
  CHECK_FALSE(ParseCredentialState("auth-failed").has_value());
}

}  // namespace
}  // namespace subkeeper::platform
