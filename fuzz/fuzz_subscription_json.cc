// Fuzzes the parsers of platform answers (src/platform/): ParseSubscription,
// ParseSubscriptionList and MapHttpError, all fed the input as the response body.
//
// Invariants: never crashes or throws; parse failures are kInternal; a list holding one record
// is accepted exactly when that record alone is; MapHttpError maps the status as api.h says,
// keeps a 429's Retry-After, and its message stays valid UTF-8 and bounded, because it ends up
// in the history, logs and the JSON status page.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "subkeeper/platform/errors.h"

namespace {

using subkeeper::StatusCode;
namespace platform = subkeeper::platform;

// Long enough for the longest fixed prefix plus the 200-byte cap on the platform's text.
constexpr size_t kMaxErrorMessage = 320;

bool ValidUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

void CheckSubscription(std::string_view body) {
  const auto one = platform::ParseSubscription(body);
  if (!one.ok()) FUZZ_CHECK(one.status().code() == StatusCode::kInternal);
  const auto list = platform::ParseSubscriptionList(body);
  if (!list.ok()) {
    FUZZ_CHECK(list.status().code() == StatusCode::kInternal);
    return;
  }
  // A list is all-or-nothing over its records, so a one-record list agrees with the record.
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const nlohmann::json& records = doc.at("records");
  FUZZ_CHECK(list->size() == records.size());
  if (records.size() == 1) {
    const auto alone = platform::ParseSubscription(records[0].dump());
    FUZZ_CHECK(alone.ok());
    FUZZ_CHECK(alone->id == (*list)[0].id && alone->status == (*list)[0].status);
  }
}

void CheckHttpError(std::string_view body, int http, StatusCode expected) {
  subkeeper::http::HttpResponse response;
  response.status = http;
  response.body = std::string(body);
  response.headers = {{"Retry-After", "17"}};
  const subkeeper::Status status = platform::MapHttpError(response);
  FUZZ_CHECK(!status.ok());
  FUZZ_CHECK(status.http_status() == http);
  if (expected != StatusCode::kOk) FUZZ_CHECK(status.code() == expected);
  if (http == 429) FUZZ_CHECK(status.retry_after() == std::chrono::seconds(17));
  FUZZ_CHECK(status.message().size() <= kMaxErrorMessage);
  FUZZ_CHECK(status.api_code().size() <= body.size());
  FUZZ_CHECK(ValidUtf8(status.message()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    CheckSubscription(body);
    CheckHttpError(body, 429, StatusCode::kResourceExhausted);
    CheckHttpError(body, 404, StatusCode::kNotFound);
    CheckHttpError(body, 401, StatusCode::kUnauthenticated);
    CheckHttpError(body, 403, StatusCode::kPermissionDenied);
    CheckHttpError(body, 503, StatusCode::kUnavailable);
    CheckHttpError(body, 400, StatusCode::kOk);  // kInvalidArgument, or kNotFound for CMN-102
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_subscription_json: exception escaped: %s\n", e.what());
    std::abort();
  }
  return 0;
}
