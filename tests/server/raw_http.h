// A minimal HTTP/1.1 client over a raw POSIX socket, so server tests control the exact bytes
// sent (missing Content-Length, unfinished headers) and see the exact bytes answered.
#pragma once

#include <map>
#include <string>

namespace subkeeper::server::testing {

// An open connection to 127.0.0.1:port; closed by the destructor. Movable.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Reads one response: the header block, then Content-Length bytes of body. Returns everything
  // read, or "" when nothing complete arrived within `timeout_ms`.
  std::string ReadResponse(int timeout_ms = 5000);
  // True when the server closes the connection (EOF or reset) within `timeout_ms`; bytes that
  // arrive first are kept for ReadResponse.
  bool WaitClosed(int timeout_ms = 5000);

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read past the last response
};

struct ParsedResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  size_t total_bytes = 0;
  // The header's value, "" when absent. `name` lower-case.
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// Parses what ReadResponse returned; status 0 when it is not an HTTP response.
ParsedResponse Parse(const std::string& raw);

}  // namespace subkeeper::server::testing
