#include "event_loop.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>

#include "subkeeper/common/metrics_hook.h"

namespace subkeeper::server::internal {

namespace {

constexpr uint64_t kListenerId = 0;
constexpr uint64_t kWakeId = 1;
// Bounds the work one wakeup does for the listener, so a connection flood cannot starve the
// connections already open.
constexpr int kAcceptsPerWakeup = 256;
// A sweep walks every connection; this spaces sweeps out when deadlines are many and close.
constexpr auto kMinSweepGap = std::chrono::milliseconds(10);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::chrono::milliseconds Millis(int64_t ms) { return std::chrono::milliseconds(ms); }

}  // namespace

EventLoop::EventLoop(int listen_fd, const EventHandlers& handlers,
                     const EventServerOptions& options)
    : listen_fd_(listen_fd),
      handlers_(handlers),
      options_(options),
      limits_{options.max_head_bytes, 100, options.max_body_bytes} {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (!ok()) return;
  epoll_event listener{EPOLLIN, {.u64 = kListenerId}};
  epoll_event wake{EPOLLIN, {.u64 = kWakeId}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listener);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
  pool_ = std::make_unique<WorkerPool>(options.threads, handlers.complete, [this] { Wake(); });
}

EventLoop::~EventLoop() {
  if (pool_) pool_->Shutdown();
  connections_.clear();
  for (int fd : {epoll_fd_, wake_fd_, spare_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void EventLoop::Wake() {
  const uint64_t one = 1;
  // A full counter still leaves wake_fd_ readable, which is all the loop needs.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

void EventLoop::RequestStop() {
  stop_requested_.store(true);
  Wake();
}

void EventLoop::Run() {
  std::array<epoll_event, 256> events;
  last_sweep_ = Clock::now();
  for (;;) {
    const int n =
        ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), WaitMillis());
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        if (!stopping_) Accept();
      } else if (id == kWakeId) {
        uint64_t count = 0;
        [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof(count));
        TakeCompletions();
      } else {
        OnEvent(id, events[i].events);
      }
    }
    Reap();
    if (stop_requested_.load() && !stopping_) BeginStop();
    if (now_ >= next_deadline_ && now_ - last_sweep_ >= kMinSweepGap) Sweep();
    Reap();
    if (stopping_ && (Quiescent() || now_ >= stop_deadline_)) break;
  }
  connections_.clear();
}

int EventLoop::WaitMillis() const {
  if (stopping_) return 10;
  if (next_deadline_ == Clock::time_point::max()) return -1;
  const auto at = std::max(next_deadline_, last_sweep_ + kMinSweepGap);
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(at - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 60000));
}

void EventLoop::Accept() {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      if (error == EMFILE || error == ENFILE) AcceptOverflow();
      if (error == EINTR || error == ECONNABORTED) continue;
      return;  // EAGAIN, or an error the next wakeup retries
    }
    if (connections_.size() >= options_.max_connections) {
      ::close(fd);
      continue;
    }
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    const uint64_t id = next_id_++;
    auto c = std::make_unique<Connection>(id, fd, limits_);
    if (options_.tls != nullptr) {
      c->ssl = SSL_new(options_.tls);
      if (c->ssl == nullptr || SSL_set_fd(c->ssl, fd) != 1) continue;  // closes fd
      SSL_set_accept_state(c->ssl);
      c->tls_handshake = true;
    }
    epoll_event ev{EPOLLIN, {.u64 = id}};
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) continue;  // closes fd
    // A connection that never starts a request is as harmful as one that never finishes it.
    SetDeadline(*c, Millis(options_.read_timeout_ms));
    connections_.emplace(id, std::move(c));
  }
}

// Out of descriptors the pending connection would keep the listener readable forever (a busy
// loop); the spare descriptor makes room to accept it and close it at once.
void EventLoop::AcceptOverflow() {
  if (spare_fd_ < 0) return;
  ::close(spare_fd_);
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void EventLoop::OnEvent(uint64_t id, uint32_t events) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  if (c.state == Connection::State::kClosed) {
    return;  // closed earlier in this batch
  } else if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
    Close(c);
  } else if (c.state == Connection::State::kWriting &&
             (events & (c.ssl != nullptr ? EPOLLOUT | EPOLLIN : EPOLLOUT)) != 0) {
    Flush(c);
    Resume(c);
  } else if (c.state == Connection::State::kLingering && (events & EPOLLIN) != 0) {
    Drain(c);
  } else if (c.state == Connection::State::kReading &&
             (events & (c.ssl != nullptr ? EPOLLIN | EPOLLOUT : EPOLLIN)) != 0) {
    OnReadable(c);
  }
}

void EventLoop::OnReadable(Connection& c) {
  if (c.tls_handshake) {
    const Io io = c.Handshake();
    if (io != Io::kDone) {
      Await(c, io);
      return;
    }
    SetInterest(c, EPOLLIN);
  }
  bool got = false;
  const Io io = c.Read(got);
  if (io == Io::kClosed) {
    Close(c);
    return;
  }
  if (io == Io::kWantWrite) SetInterest(c, EPOLLOUT);  // TLS: reading needs a write first
  if (got) Process(c);
}

void EventLoop::Await(Connection& c, Io io) {
  switch (io) {
    case Io::kDone:
      return;
    case Io::kWantRead:
      SetInterest(c, EPOLLIN);
      return;
    case Io::kWantWrite:
      SetInterest(c, EPOLLOUT);
      return;
    case Io::kClosed:
      Close(c);
      return;
  }
}

void EventLoop::Process(Connection& c) {
  for (;;) {
    const size_t used = c.parser.Feed(c.in);
    c.in.erase(0, used);
    if (c.parser.started() && !c.request_started) {
      c.request_started = true;
      c.started = Clock::now();
      c.answer = Connection::Answer::kOther;
      SetDeadline(c, Millis(options_.read_timeout_ms));
    }
    switch (c.parser.phase()) {
      case RequestParser::Phase::kHead:
      case RequestParser::Phase::kBody:
        return;  // everything read is consumed; wait for more
      case RequestParser::Phase::kHeadDone:
        OnHeadDone(c);
        // An answer written at once leaves the connection reading the next request.
        if (c.state != Connection::State::kReading) return;
        break;
      case RequestParser::Phase::kDone:
        Dispatch(c);
        return;
      case RequestParser::Phase::kError:
        Respond(c, JsonError(c.parser.error_status(), c.parser.error_reason(), true), false, false);
        return;
    }
  }
}

void EventLoop::OnHeadDone(Connection& c) {
  const HttpRequest& request = c.parser.request();
  c.keep_alive = request.KeepAlive();
  c.head_only = request.method == "HEAD";
  if (auto early = handlers_.head ? handlers_.head(request) : std::nullopt) {
    // The unread body would otherwise be parsed as the next request.
    c.answer = Connection::Answer::kHandshake;
    Respond(c, *early, c.keep_alive && !c.parser.body_declared(), c.head_only);
    return;
  }
  if (!c.parser.body_declared() || !c.parser.expects_continue() || !c.in.empty()) return;
  c.parser.Feed("");  // decides a 413 before the client is invited to send the body
  if (c.parser.phase() != RequestParser::Phase::kBody) return;
  // Best effort: a client that does not get it sends the body after its own short wait.
  c.SendBestEffort(kContinue);
}

void EventLoop::Dispatch(Connection& c) {
  c.state = Connection::State::kBusy;
  c.has_deadline = false;  // the handler bounds its own time
  SetInterest(c, 0);
  pool_->Submit(c.id, c.parser.TakeRequest());
}

void EventLoop::Respond(Connection& c, const HttpResponse& response, bool keep_alive,
                        bool head_only) {
  const bool keep = keep_alive && !response.close && options_.keep_alive_s > 0 && !stopping_;
  c.out = Serialize(response, keep, head_only);
  c.sent = 0;
  c.close_after = !keep;
  c.state = Connection::State::kWriting;
  SetDeadline(c, Millis(options_.read_timeout_ms));
  Flush(c);
}

void EventLoop::Flush(Connection& c) {
  const Io io = c.Write();
  if (io == Io::kDone) {
    Finish(c);
  } else {
    Await(c, io);
  }
}

void EventLoop::Finish(Connection& c) {
  if (c.answer != Connection::Answer::kOther) {
    if (options_.webhook_metrics) {
      metrics::Current().WebhookAnswered(c.answer == Connection::Answer::kHandshake,
                                         Clock::now() - c.started);
    }
    c.answer = Connection::Answer::kOther;
  }
  c.out.clear();
  c.sent = 0;
  if (c.close_after) {
    Linger(c);
    return;
  }
  c.parser.Reset();
  c.request_started = false;
  c.state = Connection::State::kReading;
  SetInterest(c, EPOLLIN);
  SetDeadline(c, std::chrono::seconds(options_.keep_alive_s));
}

void EventLoop::Resume(Connection& c) {
  if (c.state == Connection::State::kReading && !c.in.empty()) Process(c);
}

// Closing with unread bytes in the socket sends a reset, which can destroy the answer before the
// client reads it; shutting our side first and reading until the client closes (bounded) avoids
// that.
void EventLoop::Linger(Connection& c) {
  if (stopping_) {
    Close(c);
    return;
  }
  c.ShutdownWrite();
  c.in.clear();
  c.state = Connection::State::kLingering;
  SetInterest(c, EPOLLIN);
  SetDeadline(c, Millis(std::min<int64_t>(options_.read_timeout_ms, 2000)));
}

void EventLoop::Drain(Connection& c) {
  if (!c.Discard()) Close(c);
}

void EventLoop::Close(Connection& c) {
  if (c.state == Connection::State::kClosed) return;
  c.state = Connection::State::kClosed;
  closed_.push_back(c.id);
}

void EventLoop::Reap() {
  for (uint64_t id : closed_) connections_.erase(id);  // the destructor closes the fd
  closed_.clear();
}

void EventLoop::SetInterest(Connection& c, uint32_t events) {
  if (c.interest == events) return;
  epoll_event ev{events, {.u64 = c.id}};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  c.interest = events;
}

void EventLoop::SetDeadline(Connection& c, Clock::duration from_now) {
  c.has_deadline = true;
  c.deadline = now_ + from_now;
  next_deadline_ = std::min(next_deadline_, c.deadline);
}

void EventLoop::Sweep() {
  last_sweep_ = now_;
  next_deadline_ = Clock::time_point::max();
  std::vector<uint64_t> expired;
  for (const auto& [id, c] : connections_) {
    if (!c->has_deadline || c->state == Connection::State::kClosed) continue;
    if (c->deadline <= now_) {
      expired.push_back(id);
    } else {
      next_deadline_ = std::min(next_deadline_, c->deadline);
    }
  }
  for (uint64_t id : expired) {
    Connection& c = *connections_.at(id);
    if (c.state == Connection::State::kReading && c.request_started) {
      Respond(c, JsonError(408, "request timeout", true), false, false);
    } else {
      Close(c);  // idle, or a client that does not read its answer or does not close
    }
  }
}

void EventLoop::TakeCompletions() {
  for (WorkerPool::Done& d : pool_->TakeDone()) {
    auto it = connections_.find(d.connection);
    if (it == connections_.end()) continue;  // the client went away meanwhile
    Connection& c = *it->second;
    if (c.state != Connection::State::kBusy) continue;
    c.answer = Connection::Answer::kWorker;
    Respond(c, d.response, c.keep_alive, c.head_only);
    Resume(c);  // a pipelined request may be waiting
  }
}

void EventLoop::BeginStop() {
  stopping_ = true;
  stop_deadline_ = now_ + Millis(options_.stop_grace_ms);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
  for (const auto& [id, c] : connections_) {
    if (c->state == Connection::State::kReading || c->state == Connection::State::kLingering) {
      Close(*c);
    }
  }
}

bool EventLoop::Quiescent() const {
  return std::none_of(connections_.begin(), connections_.end(), [](const auto& entry) {
    return entry.second->state == Connection::State::kBusy ||
           entry.second->state == Connection::State::kWriting;
  });
}

}  // namespace subkeeper::server::internal
