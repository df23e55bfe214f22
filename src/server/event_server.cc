#include "event_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "event_loop.h"

namespace subkeeper::server::internal {

namespace {

// A listening, non-blocking socket bound to one resolved address, or -1.
int ListenOn(const addrinfo& address) {
  const int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // SO_REUSEADDR allows a quick restart; SO_REUSEPORT is left off on purpose, it would let a
  // second process bind the same port and silently take half the connections.
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (::bind(fd, address.ai_addr, address.ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int BoundPort(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return -1;
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
}

}  // namespace

EventServer::EventServer(EventHandlers handlers, EventServerOptions options)
    : handlers_(std::move(handlers)), options_(options) {}

EventServer::~EventServer() { Stop(); }

Result<int> EventServer::Bind(const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  if (listen_fd_ >= 0) return Status::FailedPrecondition("already bound, cannot bind " + where);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    return Status::Unavailable("cannot bind " + where);
  }
  for (const addrinfo* a = found; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
    listen_fd_ = ListenOn(*a);
  }
  ::freeaddrinfo(found);
  const int bound = listen_fd_ >= 0 ? BoundPort(listen_fd_) : -1;
  if (bound <= 0) return Status::Unavailable("cannot bind " + where);
  return bound;
}

void EventServer::Start() {
  if (listen_fd_ < 0 || loop_) return;
  loop_ = std::make_unique<EventLoop>(listen_fd_, handlers_, options_);
  if (!loop_->ok()) {
    loop_.reset();
    return;
  }
  running_.store(true);
  loop_thread_ = std::thread([this] { loop_->Run(); });
}

void EventServer::Stop() {
  if (loop_) {
    loop_->RequestStop();
    if (loop_thread_.joinable()) loop_thread_.join();
    loop_.reset();  // joins the workers
  }
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  running_.store(false);
}

}  // namespace subkeeper::server::internal
