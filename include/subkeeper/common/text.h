// Making untrusted text safe to put in a message: one line, valid UTF-8, no control characters.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace subkeeper {

// `text` with every control character (including newlines) and every byte that is not part of
// valid UTF-8 written as \xNN; valid multi-byte UTF-8 is kept.
std::string Printable(std::string_view text);

// At most `max_bytes` of `text`, cut on a UTF-8 character boundary (never inside a sequence).
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

}  // namespace subkeeper
