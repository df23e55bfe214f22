// Long credentials for redaction tests, and a check that no piece of one survived.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace subkeeper::testing {

// A JWT-shaped string of about `length` characters (header.payload.signature, base64url), its
// characters pseudo-random from `seed` so that every 20-character piece is distinctive.
inline std::string LongJwt(size_t length = 1500, uint32_t seed = 7) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ";
  uint32_t state = seed;
  while (jwt.size() < length) {
    state = state * 1664525u + 1013904223u;
    jwt += kAlphabet[(state >> 24) % 64];
    if (jwt.size() == length * 3 / 4) jwt += '.';
  }
  return jwt;
}

// An opaque token (no JWT shape) of `length` characters, pseudo-random from `seed`.
inline std::string LongOpaqueToken(size_t length = 1500, uint32_t seed = 11) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string token;
  uint32_t state = seed;
  while (token.size() < length) {
    state = state * 1664525u + 1013904223u;
    token += kAlphabet[(state >> 24) % 62];
  }
  return token;
}

// Whether any `window`-character piece of `secret` appears in `text`.
inline bool HasFragment(std::string_view text, std::string_view secret, size_t window = 20) {
  if (secret.size() < window) return text.find(secret) != std::string_view::npos;
  for (size_t i = 0; i + window <= secret.size(); ++i) {
    if (text.find(secret.substr(i, window)) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace subkeeper::testing
