// A connection's plain byte stream over a socket pair: what Read, Write, Discard and
// ShutdownWrite report, without an event loop. (TLS is covered end to end by tls_test.cc.)
#include "server/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

namespace subkeeper::server::internal {
namespace {

// A connected, non-blocking pair: `ours` for the Connection (which closes it), `peer` for the test.
struct Pair {
  Pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
    ours = fds[0];
    peer = fds[1];
  }
  ~Pair() {
    if (peer >= 0) ::close(peer);
  }
  void ClosePeer() {
    ::close(peer);
    peer = -1;
  }
  std::string PeerRead() {
    char buffer[256];
    const ssize_t n = ::recv(peer, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }
  int ours = -1;
  int peer = -1;
};

RequestParser::Limits Limits() { return RequestParser::Limits{1024, 10, 1024}; }

TEST_CASE("Connection::Read appends what arrived and reports the peer closing", "[server]") {
  Pair pair;
  Connection c(2, pair.ours, Limits());
  bool got = true;
  CHECK(c.Read(got) == Io::kWantRead);  // nothing yet
  CHECK_FALSE(got);
  REQUIRE(::send(pair.peer, "GET / ", 6, 0) == 6);
  CHECK(c.Read(got) == Io::kWantRead);
  CHECK(got);
  REQUIRE(::send(pair.peer, "HTTP/1.1", 8, 0) == 8);
  CHECK(c.Read(got) == Io::kWantRead);
  CHECK(c.in == "GET / HTTP/1.1");
  pair.ClosePeer();
  CHECK(c.Read(got) == Io::kClosed);
  CHECK_FALSE(got);
}

TEST_CASE("Connection::Write sends the rest of out and reports done", "[server]") {
  Pair pair;
  Connection c(2, pair.ours, Limits());
  c.out = "HTTP/1.1 200 OK\r\n\r\n";
  c.sent = 4;
  CHECK(c.Write() == Io::kDone);
  CHECK(c.sent == c.out.size());
  CHECK(pair.PeerRead() == "/1.1 200 OK\r\n\r\n");  // from byte 4 on
  pair.ClosePeer();
  c.out = "more";
  c.sent = 0;
  CHECK(c.Write() == Io::kClosed);  // EPIPE, without a SIGPIPE
}

TEST_CASE("Connection::Discard drops input until the peer closes", "[server]") {
  Pair pair;
  Connection c(2, pair.ours, Limits());
  CHECK(c.Discard());  // nothing to read is not the end
  REQUIRE(::send(pair.peer, "junk", 4, 0) == 4);
  CHECK(c.Discard());
  CHECK(c.in.empty());
  pair.ClosePeer();
  CHECK_FALSE(c.Discard());
}

TEST_CASE("Connection::ShutdownWrite ends our side only", "[server]") {
  Pair pair;
  Connection c(2, pair.ours, Limits());
  c.ShutdownWrite();
  char byte;
  CHECK(::recv(pair.peer, &byte, 1, 0) == 0);  // end of stream for the peer
  REQUIRE(::send(pair.peer, "x", 1, 0) == 1);  // the peer may still send
  CHECK(c.Discard());
}

}  // namespace
}  // namespace subkeeper::server::internal
