// Small cryptographic helpers over OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace subkeeper {

// Raw 32-byte HMAC-SHA256 of `data` keyed by `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);

// Standard base64 (with padding) of `bytes`.
std::string Base64Encode(std::string_view bytes);

// True when a and b are equal, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The bytes of standard base64 `text` (padding optional); nullopt when it is not base64.
std::optional<std::string> Base64Decode(std::string_view text);

// `n` cryptographically random bytes.
std::string RandomBytes(size_t n);

// `n` cryptographically random bytes, hex-encoded (2n characters).
std::string RandomHex(size_t n);

}  // namespace subkeeper
