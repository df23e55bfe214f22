#include "support/stock_verifier.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "subkeeper/common/crypto.h"
#include "support/js_client.h"

namespace subkeeper::testing {

StockVerdict VerifyWithStockLibrary(const std::string& secret,
                                    const std::vector<RelayedRequest>& requests, bool expect_fail) {
  const std::string missing = JsClientsMissing();
  INFO(missing);
  REQUIRE(missing.empty());
  std::string input;
  for (const RelayedRequest& r : requests) {
    nlohmann::json headers = nlohmann::json::object();
    // The first value of each header, as a Node.js server hands headers to the app.
    for (const auto& [name, value] : r.headers) {
      if (!headers.contains(name)) headers[name] = value;
    }
    // base64, so that the library sees the body's exact bytes whatever they are.
    input +=
        nlohmann::json{{"headers", headers}, {"body_base64", Base64Encode(r.body)}}.dump() + "\n";
  }
  std::vector<std::string> args = {secret};
  if (expect_fail) args.push_back("--expect-fail");
  const NodeResult run = RunNodeScript("verify_webhooks.mjs", args, input);
  StockVerdict verdict;
  verdict.exit_code = run.exit_code;
  verdict.summary = run.out;
  verdict.error = run.err;
  const nlohmann::json parsed = nlohmann::json::parse(run.out, nullptr, false);
  if (parsed.is_object()) {
    verdict.total = parsed.value("total", 0);
    verdict.verified = parsed.value("verified", 0);
    verdict.rejected = parsed.value("rejected", 0);
  }
  return verdict;
}

}  // namespace subkeeper::testing
