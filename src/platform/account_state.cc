#include "subkeeper/platform/account_state.h"

#include <array>
#include <utility>

#include "subkeeper/common/crypto.h"

namespace subkeeper::platform {
namespace {

constexpr std::array<std::pair<CredentialState, std::string_view>, 3> kCredentialStates{{
    {CredentialState::kLoggedOut, "logged_out"},
    {CredentialState::kReady, "ready"},
    {CredentialState::kAuthFailed, "auth_failed"},
}};

}  // namespace

std::string_view CredentialStateText(CredentialState state) {
  for (const auto& [value, text] : kCredentialStates) {
    if (value == state) return text;
  }
  return "";
}

std::optional<CredentialState> ParseCredentialState(std::string_view text) {
  for (const auto& [value, name] : kCredentialStates) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::string CredentialFingerprint(const Secret& jwt, const Secret& refresh_token) {
  // Length-prefixed so that ("ab", "c") and ("a", "bc") differ.
  const std::string material =
      "subkeeper-credential-v1\n" + std::to_string(jwt.Reveal().size()) + ":" + jwt.Reveal() +
      "\n" + std::to_string(refresh_token.Reveal().size()) + ":" + refresh_token.Reveal();
  // Keyed by a fixed domain tag: a fingerprint, not a MAC; it only has to change with the input
  // and reveal nothing of it.
  return HexEncode(HmacSha256("subkeeper-credential-fingerprint", material)).substr(0, 16);
}

}  // namespace subkeeper::platform
