#include <catch2/catch.hpp>

#include "subkeeper/platform/types.h"

namespace subkeeper::platform {
namespace {

using Kind = RemoteStatus::Kind;

TEST_CASE("A remote status knows the spec's words and keeps any other", "[platform]") {
  CHECK(RemoteStatus().kind() == Kind::kUnknown);
  CHECK_FALSE(RemoteStatus().known());
  CHECK(RemoteStatus().word().empty());

  CHECK(RemoteStatus::Of("Active") == RemoteStatus::Active());
  CHECK(RemoteStatus::Of("Active").active());
  CHECK(RemoteStatus::Of("Blacklisted").kind() == Kind::kBlacklisted);
  CHECK(RemoteStatus::Of("Suspended").kind() == Kind::kSuspended);

  const RemoteStatus other = RemoteStatus::Of("Blocked");
  CHECK(other.kind() == Kind::kOther);
  CHECK(other.known());
  CHECK_FALSE(other.active());
  CHECK(other.word() == "Blocked");
  CHECK(other != RemoteStatus::Of("Paused"));

  // Words are case-sensitive, as the spec's enum is: "active" is not Active.
  CHECK(RemoteStatus::Of("active").kind() == Kind::kOther);
  CHECK(RemoteStatus::Of("").kind() == Kind::kUnknown);
}

TEST_CASE("Every word reads back as the status it came from", "[platform]") {
  for (const char* word : {"", "Active", "Blacklisted", "Suspended", "Blocked"}) {
    const RemoteStatus status = RemoteStatus::Of(word);
    CHECK(status.word() == word);
    CHECK(RemoteStatus::KindOf(word) == status.kind());
  }
}

}  // namespace
}  // namespace subkeeper::platform
