// Internal to the server module: an incremental HTTP/1.x request parser. Pure: bytes in, a
// request (or an error status) out; no I/O and no clock, so it is tested byte by byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_message.h"

namespace subkeeper::server::internal {

// Parses one request at a time from a byte stream. What it accepts:
//   - a request line "METHOD SP target SP HTTP/1.0|1.1", header lines, an empty line; lines end
//     in CRLF or a bare LF; empty lines before a request line are skipped; obs-fold (a header
//     line starting with a space) and a space before the colon are refused (400);
//   - request line and headers together at most `max_head_bytes` and `max_headers` lines (431);
//   - a body framed by Content-Length (digits only, one header: 400 otherwise) or by
//     "Transfer-Encoding: chunked" (chunk extensions ignored, trailers read and dropped); both at
//     once 400; any other transfer coding 501; neither means no body (never waits for one);
//   - a body over `max_body_bytes` 413, decided from Content-Length before any body byte is read,
//     or as soon as the chunks pass the limit.
// After an error the parser consumes nothing more; the caller answers error_status() and closes.
// Not thread-safe; one per connection.
class RequestParser {
 public:
  enum class Phase {
    kHead,      // reading the request line and headers
    kHeadDone,  // the head is parsed; Feed (even with no data) goes on to the body
    kBody,      // reading a declared body
    kDone,      // request() is complete; Reset() before the next one
    kError,     // error_status() / error_reason() say why
  };

  struct Limits {
    size_t max_head_bytes = 16384;
    size_t max_headers = 100;
    size_t max_body_bytes = 262144;
  };

  explicit RequestParser(Limits limits) : limits_(limits) {}

  // Consumes a prefix of `data` and returns its length. It stops right after the head (phase
  // kHeadDone), so the caller can answer before a body byte is read, and right after a complete
  // request (kDone), so the bytes of a pipelined next request are left to the caller.
  size_t Feed(std::string_view data);

  Phase phase() const { return phase_; }
  // A byte of the current request (even a skipped empty line) has been consumed.
  bool started() const { return started_; }
  int error_status() const { return error_status_; }
  const std::string& error_reason() const { return error_reason_; }
  // From kHeadDone on: the request declared a body (Content-Length > 0 or chunked).
  bool body_declared() const { return chunked_ || content_length_ > 0; }
  // From kHeadDone on: an HTTP/1.1 request with "Expect: 100-continue".
  bool expects_continue() const { return expects_continue_; }

  const HttpRequest& request() const { return request_; }
  HttpRequest TakeRequest() { return std::move(request_); }
  // Ready for the next request on the same connection.
  void Reset();

 private:
  enum class Chunk { kSize, kData, kDataEnd, kTrailer };

  size_t FeedHead(std::string_view data);
  size_t FeedChunked(std::string_view data);
  void StartBody();
  bool ParseHead();
  bool ParseRequestLine(std::string_view line);
  bool ParseHeaderLine(std::string_view line);
  bool CheckFraming();
  // Appends up to a '\n' from `data` to line_; returns bytes taken. *complete when the line ended.
  size_t TakeLine(std::string_view data, size_t limit, bool* complete);
  bool Fail(int status, std::string reason);

  Limits limits_;
  Phase phase_ = Phase::kHead;
  bool started_ = false;
  std::string head_;  // the head so far, line endings included
  HttpRequest request_;
  uint64_t content_length_ = 0;
  bool chunked_ = false;
  bool expects_continue_ = false;
  Chunk chunk_ = Chunk::kSize;
  uint64_t chunk_left_ = 0;
  size_t trailer_bytes_ = 0;
  std::string line_;  // a chunk-size, chunk-end or trailer line so far
  int error_status_ = 0;
  std::string error_reason_;
};

}  // namespace subkeeper::server::internal
