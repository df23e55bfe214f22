// Verifies relayed requests with the stock Standard Webhooks library (tests/js/verify_webhooks.mjs:
// npm standardwebhooks' `new Webhook(secret).verify(body, headers)`, its default call), so that
// tests check what an app's verifier accepts rather than our own relay::Verify.
//
// Not thread-safe in the sense that each call runs one `node` process; calls may run in parallel.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace subkeeper::testing {

// One request as the app received it: header names lower-cased, the body's exact bytes.
struct RelayedRequest {
  std::multimap<std::string, std::string> headers;
  std::string body;
};

struct StockVerdict {
  int exit_code = -1;   // verify_webhooks.mjs: 0 = every request came out as expected
  int total = 0;        // requests the library looked at
  int verified = 0;     // accepted by wh.verify
  int rejected = 0;     // refused (the library threw)
  std::string summary;  // the script's JSON summary (failures with reasons), for INFO
  std::string error;    // stderr, or why the script could not run
};

// Runs the library with `secret` (a whsec_ string, as the app would be given) over `requests`.
// With `expect_fail` the script succeeds only when the library rejects every request. REQUIREs
// that Node.js and tests/js/node_modules are there (a missing verifier fails, never skips).
StockVerdict VerifyWithStockLibrary(const std::string& secret,
                                    const std::vector<RelayedRequest>& requests,
                                    bool expect_fail = false);

}  // namespace subkeeper::testing
