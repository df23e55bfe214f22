// Internal to the event loop: one client connection, its request/answer state and its byte
// stream, plain or TLS. The stream calls never block (the socket is non-blocking); what they
// wait for is returned, and the loop turns it into epoll interest. Loop thread only.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_parser.h"

struct ssl_st;

namespace subkeeper::server::internal {

// What a read or write on the stream left to wait for.
enum class Io {
  kDone,       // finished (Handshake, Write)
  kWantRead,   // wait until the socket is readable
  kWantWrite,  // wait until the socket is writable (TLS may need it to read)
  kClosed,     // the peer is gone, reset, or broke the protocol: close the connection
};

struct Connection {
  using Clock = std::chrono::steady_clock;
  enum class State {
    kReading,    // reading a request (or idle between requests)
    kBusy,       // a worker has the request; the socket is not read
    kWriting,    // an answer is being written
    kLingering,  // answered with close: our side is shut, the client's bytes are discarded
    kClosed,     // removed at the end of the loop iteration, so references stay valid till then
  };

  // Owns `fd_in` (and `ssl` once set): both are freed with the connection.
  Connection(uint64_t id_in, int fd_in, RequestParser::Limits limits)
      : id(id_in), fd(fd_in), parser(limits) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // TLS only: advances the handshake; kDone once it is complete (tls_handshake is then false).
  Io Handshake();
  // Appends to `in` what can be read now: plain, one recv; TLS, every record OpenSSL can decrypt
  // now (none may stay buffered inside it: the socket would not wake the loop for them). kWantRead
  // or kWantWrite (TLS) when it stopped for the socket, kClosed when the connection is over (then
  // `in` must not be used). `got` tells whether anything was appended.
  Io Read(bool& got);
  // Writes out[sent..]: kDone once all is sent, else what it waits for (kClosed on error).
  Io Write();
  // Sends `bytes` once if the socket takes them now (an interim "100 Continue"); best effort.
  void SendBestEffort(std::string_view bytes);
  // Ends our side (TLS close_notify, then a TCP half-close); the client may still send.
  void ShutdownWrite();
  // Reads and drops what the client sent; false when the client has closed or reset.
  bool Discard();

  const uint64_t id;
  const int fd;
  State state = State::kReading;
  RequestParser parser;
  bool request_started = false;  // the read deadline of the current request is set
  bool keep_alive = true;        // what the current request allows
  bool head_only = false;        // the current request is a HEAD
  std::string in;                // read, not yet parsed (a pipelined request waits here)
  std::string out;
  size_t sent = 0;
  bool close_after = false;
  uint32_t interest = EPOLLIN;
  bool has_deadline = false;
  Clock::time_point deadline;
  // For the latency metrics: when the current request's first byte arrived, and what answers it.
  Clock::time_point started;
  enum class Answer { kOther, kHandshake, kWorker } answer = Answer::kOther;
  // TLS: the session, and whether its handshake is still under way (bounded by the deadline
  // every new connection gets, like a request that never starts).
  ssl_st* ssl = nullptr;
  bool tls_handshake = false;
};

}  // namespace subkeeper::server::internal
