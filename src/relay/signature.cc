#include "subkeeper/relay/signature.h"

#include <charconv>
#include <cstdlib>

#include "subkeeper/common/crypto.h"

namespace subkeeper::relay {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersionPrefix = "v1,";

// Strict decimal seconds: a timestamp header with a sign, spaces or trailing junk is not one
// the sender produced, so it is rejected rather than read leniently.
bool ParseSeconds(std::string_view text, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && text.front() != '-';
}

// The signed content uses the timestamp exactly as written in the header, as the spec's
// reference libraries do.
std::string SignText(std::string_view key, std::string_view id, std::string_view timestamp,
                     std::string_view body) {
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  return std::string(kVersionPrefix) + Base64Encode(HmacSha256(key, content));
}

// The decoded key, or why there is none. The base64 must be canonical (padded, no stray bits):
// Base64Encode of the decoded bytes gives it back, so every library decodes it to the same key.
std::optional<std::string> DecodeSecret(std::string_view value, std::string* problem) {
  constexpr std::string_view kHowTo = "; make one with `subkeeper generate-secret`";
  if (!value.starts_with(kSecretPrefix)) {
    *problem =
        "must be a Standard Webhooks secret: whsec_ followed by base64" + std::string(kHowTo);
    return std::nullopt;
  }
  const std::string_view text = value.substr(kSecretPrefix.size());
  std::optional<std::string> key = Base64Decode(text);
  if (!key || text.size() % 4 != 0 || Base64Encode(*key) != text) {
    *problem = "must be whsec_ followed by standard base64 with padding (A-Z a-z 0-9 + /, =)" +
               std::string(kHowTo);
    return std::nullopt;
  }
  if (key->size() < kMinSigningKeyBytes || key->size() > kMaxSigningKeyBytes) {
    *problem = "must decode to " + std::to_string(kMinSigningKeyBytes) + " to " +
               std::to_string(kMaxSigningKeyBytes) + " bytes (got " + std::to_string(key->size()) +
               ")" + std::string(kHowTo);
    return std::nullopt;
  }
  return key;
}

}  // namespace

std::optional<std::string> SigningSecretProblem(std::string_view value) {
  std::string problem;
  if (DecodeSecret(value, &problem)) return std::nullopt;
  return problem;
}

std::optional<std::string> SigningKey(const Secret& secret) {
  std::string problem;
  return DecodeSecret(secret.Reveal(), &problem);
}

std::string SignAll(const std::vector<std::string>& keys, std::string_view id, int64_t timestamp_s,
                    std::string_view body) {
  const std::string timestamp = std::to_string(timestamp_s);
  std::string header;
  for (const std::string& key : keys) {
    if (!header.empty()) header.push_back(' ');
    header += SignText(key, id, timestamp, body);
  }
  return header;
}

Secret NewSigningSecret() {
  return Secret(std::string(kSecretPrefix) + Base64Encode(RandomBytes(32)));
}

std::string Sign(std::string_view key, std::string_view id, int64_t timestamp_s,
                 std::string_view body) {
  return SignText(key, id, std::to_string(timestamp_s), body);
}

bool Verify(std::string_view key, std::string_view id, std::string_view timestamp_header,
            std::string_view body, std::string_view signature_header, int64_t now_s,
            int64_t tolerance_s) {
  int64_t timestamp_s = 0;
  if (!ParseSeconds(timestamp_header, timestamp_s)) return false;
  if (std::llabs(now_s - timestamp_s) > tolerance_s) return false;
  const std::string expected = SignText(key, id, timestamp_header, body);
  // Every candidate is compared (no early exit), so the time taken does not say which matched.
  bool matched = false;
  size_t pos = 0;
  while (pos <= signature_header.size()) {
    size_t space = signature_header.find(' ', pos);
    if (space == std::string_view::npos) space = signature_header.size();
    const std::string_view candidate = signature_header.substr(pos, space - pos);
    if (candidate.starts_with(kVersionPrefix) && ConstantTimeEquals(candidate, expected)) {
      matched = true;
    }
    pos = space + 1;
  }
  return matched;
}

}  // namespace subkeeper::relay
