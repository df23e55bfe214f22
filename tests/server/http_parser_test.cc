#include "server/http_parser.h"

#include <catch2/catch.hpp>
#include <string>

namespace subkeeper::server::internal {
namespace {

using Phase = RequestParser::Phase;

RequestParser::Limits SmallLimits() {
  RequestParser::Limits limits;
  limits.max_head_bytes = 256;
  limits.max_headers = 8;
  limits.max_body_bytes = 64;
  return limits;
}

// Feeds everything it can, going on past the head as the event loop does.
size_t FeedAll(RequestParser& p, const std::string& bytes) {
  size_t used = 0;
  for (;;) {
    const size_t n = p.Feed(std::string_view(bytes).substr(used));
    used += n;
    if (p.phase() == Phase::kDone || p.phase() == Phase::kError) return used;
    if (n == 0 && p.phase() != Phase::kHeadDone) return used;
  }
}

// One byte per call: the parser must keep every partial line between calls.
void FeedByteByByte(RequestParser& p, const std::string& bytes) {
  for (char c : bytes) {
    std::string one(1, c);
    size_t n = 0;
    while (n == 0) {
      if (p.phase() == Phase::kDone || p.phase() == Phase::kError) return;
      n = p.Feed(one);
      if (p.phase() == Phase::kHeadDone) n += p.Feed(std::string_view(one).substr(n));
    }
  }
  if (p.phase() == Phase::kHeadDone) p.Feed("");
}

TEST_CASE("a request fed one byte at a time parses as a whole", "[server][parser]") {
  const std::string raw =
      "POST /webhooks/a/b?x=1 HTTP/1.1\r\nHost: x\r\nvalidation-TOKEN:  tok \r\n"
      "Content-Length: 5\r\n\r\nhello";
  RequestParser p(SmallLimits());
  FeedByteByByte(p, raw);
  REQUIRE(p.phase() == Phase::kDone);
  const HttpRequest& r = p.request();
  CHECK(r.method == "POST");
  CHECK(r.target == "/webhooks/a/b?x=1");
  CHECK(r.path == "/webhooks/a/b");
  CHECK(r.minor_version == 1);
  REQUIRE(r.Header("Validation-Token") != nullptr);
  CHECK(*r.Header("VALIDATION-token") == "tok");
  CHECK(r.body == "hello");
  CHECK(r.KeepAlive());
}

TEST_CASE("the parser stops after the head so the caller can answer first", "[server][parser]") {
  RequestParser p(SmallLimits());
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n";
  CHECK(p.Feed(head + "abc") == head.size());
  REQUIRE(p.phase() == Phase::kHeadDone);
  CHECK(p.body_declared());
  CHECK(p.Feed("ab") == 2);
  CHECK(p.phase() == Phase::kBody);
  CHECK(p.Feed("cGET") == 1);  // a pipelined request is left to the caller
  CHECK(p.phase() == Phase::kDone);
  CHECK(p.request().body == "abc");
}

TEST_CASE("no Content-Length and no Transfer-Encoding means no body", "[server][parser]") {
  RequestParser p(SmallLimits());
  FeedAll(p, "POST /x HTTP/1.1\nValidation-Token: t\n\n");
  CHECK(p.phase() == Phase::kDone);
  CHECK_FALSE(p.body_declared());
  CHECK(p.request().body.empty());
}

TEST_CASE("keep-alive follows the version and the Connection header", "[server][parser]") {
  auto keep_alive = [](const std::string& raw) {
    RequestParser p(SmallLimits());
    FeedAll(p, raw);
    REQUIRE(p.phase() == Phase::kDone);
    return p.request().KeepAlive();
  };
  CHECK(keep_alive("GET / HTTP/1.1\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  CHECK(keep_alive("GET / HTTP/1.0\r\nConnection: x, Keep-Alive\r\n\r\n"));
}

TEST_CASE("Reset parses the next request on the same connection", "[server][parser]") {
  RequestParser p(SmallLimits());
  const std::string two = "GET /a HTTP/1.1\r\n\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  const size_t used = FeedAll(p, two);
  REQUIRE(p.phase() == Phase::kDone);
  CHECK(p.request().path == "/a");
  p.Reset();
  CHECK_FALSE(p.started());
  FeedAll(p, two.substr(used));
  REQUIRE(p.phase() == Phase::kDone);
  CHECK(p.request().path == "/b");
}

TEST_CASE("malformed heads are refused with 400", "[server][parser]") {
  for (const char* raw : {
           "GET /\r\n\r\n",                              // no version
           "GET / HTTP/2.0\r\n\r\n",                     // unsupported version
           "G(T / HTTP/1.1\r\n\r\n",                     // method not a token
           "GET / HTTP/1.1\r\nNo colon\r\n\r\n",         // header without a colon
           "GET / HTTP/1.1\r\nName : v\r\n\r\n",         // space before the colon
           "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",  // obs-fold
           "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",          // bare CR in a value
           "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
           "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
           "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n",
           "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
           "POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\n",
           "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
           "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
       }) {
    INFO(raw);
    RequestParser p(SmallLimits());
    FeedAll(p, raw);
    CHECK(p.phase() == Phase::kError);
    CHECK(p.error_status() == 400);
  }
}

TEST_CASE("head limits answer 431", "[server][parser]") {
  SECTION("too many bytes, even without a line end") {
    RequestParser p(SmallLimits());
    FeedAll(p, "GET /" + std::string(300, 'a'));
    CHECK(p.phase() == Phase::kError);
    CHECK(p.error_status() == 431);
  }
  SECTION("too many bytes fed one at a time") {
    RequestParser p(SmallLimits());
    FeedByteByByte(p, "GET / HTTP/1.1\r\nA: " + std::string(300, 'a') + "\r\n\r\n");
    CHECK(p.error_status() == 431);
  }
  SECTION("too many header lines") {
    std::string raw = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 9; ++i) raw += "H: v\r\n";
    RequestParser p(SmallLimits());
    FeedAll(p, raw + "\r\n");
    CHECK(p.error_status() == 431);
  }
  SECTION("exactly at the limit is fine") {
    const std::string start = "GET / HTTP/1.1\r\nA: ";
    const std::string raw = start + std::string(256 - start.size() - 4, 'a') + "\r\n\r\n";
    REQUIRE(raw.size() == 256);
    RequestParser p(SmallLimits());
    FeedAll(p, raw);
    CHECK(p.phase() == Phase::kDone);
  }
}

TEST_CASE("a body over the limit is refused before it is read", "[server][parser]") {
  RequestParser p(SmallLimits());
  const std::string head = "POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n";
  CHECK(p.Feed(head + "x") == head.size());
  CHECK(p.phase() == Phase::kHeadDone);  // the caller can still answer a handshake here
  CHECK(p.Feed("x") == 0);
  CHECK(p.phase() == Phase::kError);
  CHECK(p.error_status() == 413);
}

TEST_CASE("chunked bodies are decoded within the limit", "[server][parser]") {
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n";
  SECTION("chunks, an extension and a trailer, byte by byte") {
    RequestParser p(SmallLimits());
    FeedByteByByte(p, head + "5;name=v\r\nhello\r\n1\r\n!\r\n0\r\nTrailer: x\r\n\r\n");
    REQUIRE(p.phase() == Phase::kDone);
    CHECK(p.body_declared());
    CHECK(p.request().body == "hello!");
  }
  SECTION("all at once, leaving the next request") {
    RequestParser p(SmallLimits());
    const std::string raw = head + "A\r\n0123456789\r\n0\r\n\r\n";
    CHECK(FeedAll(p, raw + "GET") == raw.size());
    REQUIRE(p.phase() == Phase::kDone);
    CHECK(p.request().body == "0123456789");
  }
  SECTION("over the limit in total") {
    RequestParser p(SmallLimits());
    FeedAll(p, head + "20\r\n" + std::string(32, 'a') + "\r\n21\r\n");
    CHECK(p.error_status() == 413);
  }
  for (const char* bad : {"x\r\n", "5\r\nhelloX\r\n", "-1\r\n", "ffffffffffffffffff\r\n"}) {
    INFO(bad);
    RequestParser p(SmallLimits());
    FeedAll(p, head + bad);
    CHECK(p.phase() == Phase::kError);
    CHECK((p.error_status() == 400 || p.error_status() == 413));
  }
  SECTION("other codings are not implemented") {
    RequestParser p(SmallLimits());
    FeedAll(p, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    CHECK(p.error_status() == 501);
  }
}

}  // namespace
}  // namespace subkeeper::server::internal
