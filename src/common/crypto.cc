#include "subkeeper/common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace subkeeper {

namespace {

constexpr size_t kSha256Block = 64;
constexpr size_t kSha256Size = 32;

// One key's HMAC state: SHA-256 contexts that have absorbed the inner and outer pads.
class PreparedKey {
 public:
  explicit PreparedKey(std::string_view key) : key_(key) {
    unsigned char block[kSha256Block] = {};
    if (key.size() > kSha256Block) {
      unsigned int len = 0;  // RFC 2104: a key longer than a block is hashed first
      EVP_Digest(key.data(), key.size(), block, &len, EVP_sha256(), nullptr);
    } else {
      std::copy(key.begin(), key.end(), block);
    }
    unsigned char pad[kSha256Block];
    for (size_t i = 0; i < kSha256Block; ++i) pad[i] = block[i] ^ 0x36;
    ok_ = Absorb(inner_, pad);
    for (size_t i = 0; i < kSha256Block; ++i) pad[i] = block[i] ^ 0x5c;
    ok_ = ok_ && Absorb(outer_, pad);
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
  }
  ~PreparedKey() {
    OPENSSL_cleanse(key_.data(), key_.size());
    EVP_MD_CTX_free(inner_);
    EVP_MD_CTX_free(outer_);
  }
  PreparedKey(const PreparedKey&) = delete;
  PreparedKey& operator=(const PreparedKey&) = delete;

  bool ok() const { return ok_; }
  bool Is(std::string_view key) const { return key_ == key; }

  // The MAC of `data` into `out`, using `work` as scratch; false on an OpenSSL failure.
  bool Sign(EVP_MD_CTX* work, std::string_view data, unsigned char* out) const {
    unsigned int len = 0;
    return EVP_MD_CTX_copy_ex(work, inner_) == 1 &&
           EVP_DigestUpdate(work, data.data(), data.size()) == 1 &&
           EVP_DigestFinal_ex(work, out, &len) == 1 && EVP_MD_CTX_copy_ex(work, outer_) == 1 &&
           EVP_DigestUpdate(work, out, kSha256Size) == 1 &&
           EVP_DigestFinal_ex(work, out, &len) == 1;
  }

 private:
  static bool Absorb(EVP_MD_CTX*& ctx, const unsigned char* pad) {
    ctx = EVP_MD_CTX_new();
    return ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
           EVP_DigestUpdate(ctx, pad, kSha256Block) == 1;
  }

  std::string key_;
  EVP_MD_CTX* inner_ = nullptr;
  EVP_MD_CTX* outer_ = nullptr;
  bool ok_ = false;
};

// The prepared states of the last few keys this thread signed with. The keeper signs many
// messages under a handful of keys (the webhook secret, once per subscription at start-up; the
// fingerprint label; the relay's signing secret), and OpenSSL 3's one-shot HMAC() redoes the key
// schedule and fetches the algorithm on every call: 1.1 us a MAC against 0.2 us here.
class KeyCache {
 public:
  KeyCache() : work_(EVP_MD_CTX_new()) {}
  ~KeyCache() { EVP_MD_CTX_free(work_); }
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;

  bool Sign(std::string_view key, std::string_view data, unsigned char* out) {
    if (work_ == nullptr) return false;
    for (const auto& slot : slots_) {
      if (slot && slot->Is(key)) return slot->Sign(work_, data, out);
    }
    auto& slot = slots_[next_];
    next_ = (next_ + 1) % slots_.size();
    slot = std::make_unique<PreparedKey>(key);
    return slot->ok() && slot->Sign(work_, data, out);
  }

 private:
  std::array<std::unique_ptr<PreparedKey>, 4> slots_;
  size_t next_ = 0;
  EVP_MD_CTX* work_;
};

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  thread_local KeyCache cache;
  unsigned char out[EVP_MAX_MD_SIZE];
  if (cache.Sign(key, data, out)) {
    return std::string(reinterpret_cast<const char*>(out), kSha256Size);
  }
  unsigned int len = 0;  // OpenSSL could not copy a context: the one-shot path
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  // Padding is optional (some producers strip it), but when present it must complete a quartet.
  const size_t padded_size = text.size();
  int padding = 0;
  while (padding < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  if (padding > 0 && padded_size % 4 != 0) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    // The OpenSSL CSPRNG failing means the process cannot make safe identifiers at all.
    throw std::runtime_error("RAND_bytes failed");
  }
  return bytes;
}

std::string RandomHex(size_t n) { return HexEncode(RandomBytes(n)); }

}  // namespace subkeeper
