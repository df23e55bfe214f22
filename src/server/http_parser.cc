#include "http_parser.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace subkeeper::server::internal {

namespace {

// A chunk-size line is hex digits and an extension nobody sends long; bounding it keeps a
// client from growing line_ without end.
constexpr size_t kMaxChunkLine = 1024;

bool IsTokenChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The head ends with an empty line: "\n\n" or "\n\r\n".
bool EndsHead(std::string_view head) { return head.ends_with("\n\n") || head.ends_with("\n\r\n"); }

}  // namespace

void RequestParser::Reset() {
  const Limits limits = limits_;
  *this = RequestParser(limits);
}

bool RequestParser::Fail(int status, std::string reason) {
  phase_ = Phase::kError;
  error_status_ = status;
  error_reason_ = std::move(reason);
  return false;
}

size_t RequestParser::Feed(std::string_view data) {
  switch (phase_) {
    case Phase::kHead:
      return FeedHead(data);
    case Phase::kHeadDone:
      StartBody();
      return phase_ == Phase::kBody ? Feed(data) : 0;
    case Phase::kBody:
      if (chunked_) return FeedChunked(data);
      {
        const size_t take = static_cast<size_t>(
            std::min<uint64_t>(content_length_ - request_.body.size(), data.size()));
        request_.body.append(data.substr(0, take));
        if (request_.body.size() == content_length_) phase_ = Phase::kDone;
        return take;
      }
    case Phase::kDone:
    case Phase::kError:
      return 0;
  }
  return 0;
}

size_t RequestParser::FeedHead(std::string_view data) {
  size_t i = 0;
  while (i < data.size()) {
    started_ = true;
    if (head_.empty() && (data[i] == '\r' || data[i] == '\n')) {
      ++i;
      continue;
    }
    const size_t newline = data.find('\n', i);
    const size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
    if (head_.size() + (end - i) > limits_.max_head_bytes) {
      Fail(431, "request header fields too large");
      return end;
    }
    head_.append(data.substr(i, end - i));
    i = end;
    if (newline != std::string_view::npos && EndsHead(head_)) {
      if (ParseHead()) phase_ = Phase::kHeadDone;
      return i;
    }
  }
  return i;
}

bool RequestParser::ParseHead() {
  std::string_view rest = head_;
  size_t lines = 0;
  bool first = true;
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    const std::string_view line = StripCr(rest.substr(0, newline));
    rest.remove_prefix(newline + 1);
    if (line.empty()) break;  // the empty line that ends the head
    if (first) {
      if (!ParseRequestLine(line)) return false;
      first = false;
      continue;
    }
    if (++lines > limits_.max_headers) return Fail(431, "too many header fields");
    if (!ParseHeaderLine(line)) return false;
  }
  head_.clear();
  return CheckFraming();
}

bool RequestParser::ParseRequestLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Fail(400, "malformed request line");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Fail(400, "malformed request line");
  const bool target_ok = !target.empty() && std::none_of(target.begin(), target.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
  if (!target_ok) return Fail(400, "malformed request line");
  if (version == "HTTP/1.1") {
    request_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    request_.minor_version = 0;
  } else {
    return Fail(400, "unsupported HTTP version");
  }
  request_.method = std::string(method);
  request_.target = std::string(target);
  request_.path = std::string(target.substr(0, target.find('?')));
  return true;
}

bool RequestParser::ParseHeaderLine(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') return Fail(400, "folded header line");
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
    return Fail(400, "malformed header line");
  }
  const std::string_view value = Trim(line.substr(colon + 1));
  // A CR or NUL inside a value could be echoed (Validation-Token) into our own answer.
  if (value.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos) {
    return Fail(400, "malformed header value");
  }
  request_.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return true;
}

// Request smuggling lives in ambiguous framing, so anything but one clear framing is refused.
bool RequestParser::CheckFraming() {
  int lengths = 0;
  int encodings = 0;
  for (const auto& [name, value] : request_.headers) {
    if (EqualsIgnoreCase(name, "Content-Length")) {
      ++lengths;
      const bool digits =
          !value.empty() && value.size() <= 18 &&
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) return Fail(400, "invalid content-length");
      std::from_chars(value.data(), value.data() + value.size(), content_length_);
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      ++encodings;
      if (!EqualsIgnoreCase(value, "chunked")) return Fail(501, "unsupported transfer-encoding");
    } else if (EqualsIgnoreCase(name, "Expect")) {
      expects_continue_ = request_.minor_version == 1 && EqualsIgnoreCase(value, "100-continue");
    }
  }
  if (lengths > 1) return Fail(400, "duplicate content-length");
  if (encodings > 1) return Fail(501, "unsupported transfer-encoding");
  if (encodings == 1 && (lengths == 1 || request_.minor_version == 0)) {
    return Fail(400, "ambiguous message framing");
  }
  chunked_ = encodings == 1;
  return true;
}

void RequestParser::StartBody() {
  if (chunked_) {
    phase_ = Phase::kBody;
  } else if (content_length_ > limits_.max_body_bytes) {
    Fail(413, "body too large");
  } else {
    phase_ = content_length_ == 0 ? Phase::kDone : Phase::kBody;
    request_.body.reserve(static_cast<size_t>(content_length_));
  }
}

size_t RequestParser::TakeLine(std::string_view data, size_t limit, bool* complete) {
  const size_t newline = data.find('\n');
  const size_t take = newline == std::string_view::npos ? data.size() : newline + 1;
  *complete = newline != std::string_view::npos;
  if (line_.size() + take > limit) {
    Fail(400, "malformed chunked body");
    return take;
  }
  line_.append(data.substr(0, take));
  return take;
}

size_t RequestParser::FeedChunked(std::string_view data) {
  size_t used = 0;
  while (used < data.size() && phase_ == Phase::kBody) {
    const std::string_view rest = data.substr(used);
    if (chunk_ == Chunk::kData) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_left_, rest.size()));
      request_.body.append(rest.substr(0, take));
      chunk_left_ -= take;
      used += take;
      if (chunk_left_ == 0) chunk_ = Chunk::kDataEnd;
      continue;
    }
    const size_t limit = chunk_ == Chunk::kTrailer ? limits_.max_head_bytes : kMaxChunkLine;
    bool complete = false;
    used += TakeLine(rest, limit, &complete);
    if (phase_ == Phase::kError || !complete) break;
    const std::string_view line = StripCr(std::string_view(line_).substr(0, line_.size() - 1));
    if (chunk_ == Chunk::kSize) {
      const std::string_view hex = Trim(line.substr(0, line.find(';')));
      uint64_t size = 0;
      const auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
      if (hex.empty() || hex.size() > 15 || ec != std::errc() || end != hex.data() + hex.size()) {
        Fail(400, "malformed chunked body");
        break;
      }
      if (request_.body.size() + size > limits_.max_body_bytes) {
        Fail(413, "body too large");
        break;
      }
      chunk_left_ = size;
      chunk_ = size == 0 ? Chunk::kTrailer : Chunk::kData;
    } else if (chunk_ == Chunk::kDataEnd) {
      if (!line.empty()) {
        Fail(400, "malformed chunked body");
        break;
      }
      chunk_ = Chunk::kSize;
    } else if (line.empty()) {
      phase_ = Phase::kDone;
    } else if ((trailer_bytes_ += line_.size()) > limits_.max_head_bytes) {
      Fail(431, "request header fields too large");
    }
    line_.clear();
  }
  return used;
}

}  // namespace subkeeper::server::internal
