#include "subkeeper/common/text.h"

#include <catch2/catch.hpp>

namespace subkeeper {
namespace {

TEST_CASE("Printable escapes control characters and invalid UTF-8, keeps valid UTF-8", "[common]") {
  CHECK(Printable("plain text") == "plain text");
  CHECK(Printable("größe €") == "größe €");
  CHECK(Printable("a\nb\tc\x7f") == "a\\x0Ab\\x09c\\x7F");
  CHECK(Printable("web\x82hook") == "web\\x82hook");               // lone continuation byte
  CHECK(Printable("\xc3") == "\\xC3");                             // truncated sequence
  CHECK(Printable("\xc0\xaf") == "\\xC0\\xAF");                    // overlong '/'
  CHECK(Printable("\xed\xa0\x80") == "\\xED\\xA0\\x80");           // surrogate
  CHECK(Printable("\xf4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");  // above U+10FFFF
}

TEST_CASE("Utf8Prefix never cuts inside a character", "[common]") {
  const std::string text = std::string(199, 'x') + "é";  // é is 2 bytes at 199..200
  CHECK(Utf8Prefix(text, 200) == std::string(199, 'x'));
  CHECK(Utf8Prefix(text, 201) == text);
  CHECK(Utf8Prefix("€uro", 2).empty());  // € is 3 bytes
  CHECK(Utf8Prefix("€uro", 3) == "€");
  CHECK(Utf8Prefix("abc", 10) == "abc");
}

}  // namespace
}  // namespace subkeeper
