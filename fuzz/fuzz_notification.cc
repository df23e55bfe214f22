// Fuzzes webhook::ParseNotification with the raw request body.
// Invariants: never crashes or throws; success means the three required fields are non-empty;
// a failure is kInvalidArgument with a short fixed reason (the body is never echoed, since it
// may be anything an attacker sends).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "subkeeper/webhook/notification.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  subkeeper::Result<subkeeper::webhook::Notification> parsed =
      subkeeper::webhook::ParseNotification(body);
  if (parsed.ok()) {
    FUZZ_CHECK(!parsed->uuid.empty());
    FUZZ_CHECK(!parsed->event.empty());
    FUZZ_CHECK(!parsed->subscription_id.empty());
  } else {
    FUZZ_CHECK(parsed.status().code() == subkeeper::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!parsed.status().message().empty());
    FUZZ_CHECK(parsed.status().message().size() < 100);
  }
  return 0;
}
