// Verifies relayed requests with the stock Standard Webhooks library (npm standardwebhooks, as
// package-lock.json pins it), called exactly as its README shows an app calling it:
//   const wh = new Webhook(secret); wh.verify(body, headers);
// (https://github.com/standard-webhooks/standard-webhooks/tree/main/libraries/javascript).
//
//   node verify_webhooks.mjs SECRET [--expect-fail] < requests.jsonl
//
// stdin: one JSON object per line, {"headers": {name: value, ...}, "body": "..."} or, for exact
// bytes, "body_base64" instead of "body". stdout: one JSON summary,
//   {"total": N, "verified": V, "rejected": R, "failures": [{"index", "id", "reason"}, ...]}
// where "failures" lists the requests that did not come out as expected (rejected ones, or with
// --expect-fail the verified ones). Exit status 0 when every request verified (with
// --expect-fail: when every request was rejected) and there was at least one; 1 otherwise; 2 on
// bad usage or input.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const args = process.argv.slice(2);
const expectFail = args.includes("--expect-fail");
const positional = args.filter((a) => a !== "--expect-fail");
if (positional.length !== 1) {
  process.stderr.write("usage: verify_webhooks.mjs SECRET [--expect-fail] < requests.jsonl\n");
  process.exit(2);
}

let wh;
try {
  wh = new Webhook(positional[0]); // the default constructor: "whsec_" stripped, base64-decoded
} catch (e) {
  // The message is the library's own; it does not contain the secret.
  process.stdout.write(JSON.stringify({ error: `new Webhook(secret) threw: ${e.message}` }) + "\n");
  process.exit(2);
}

const lines = readFileSync(0, "utf8").split("\n").filter((line) => line.trim() !== "");
const summary = { total: 0, verified: 0, rejected: 0, failures: [] };
for (const [index, line] of lines.entries()) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: `line ${index + 1} is not JSON: ${e.message}` }) +
                         "\n");
    process.exit(2);
  }
  const headers = request.headers ?? {};
  const body = request.body_base64 !== undefined ? Buffer.from(request.body_base64, "base64")
                                                 : (request.body ?? "");
  const id = headers["webhook-id"] ?? null;
  summary.total++;
  try {
    wh.verify(body, headers);
    summary.verified++;
    if (expectFail) summary.failures.push({ index, id, reason: "verified, expected a rejection" });
  } catch (e) {
    summary.rejected++;
    if (!expectFail) summary.failures.push({ index, id, reason: `${e.name}: ${e.message}` });
  }
}
process.stdout.write(JSON.stringify(summary) + "\n");
const ok = summary.total > 0 && (expectFail ? summary.rejected : summary.verified) === summary.total;
process.exit(ok ? 0 : 1);
