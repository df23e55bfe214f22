#include "http_common.h"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>

namespace subkeeper::server::internal {

namespace {

const char* ReasonFor(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 413:
      return "body too large";
    case 414:
      return "uri too long";
    case 416:
      return "range not satisfiable";
    default:
      return status >= 500 ? "internal error" : "request rejected";
  }
}

// httplib takes (seconds, microseconds).
template <typename Setter>
void SetMillis(int64_t ms, Setter set) {
  if (ms < 1) ms = 1;
  set(static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000));
}

}  // namespace

void SetJsonError(httplib::Response& res, int status, std::string_view reason) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", reason}}.dump(-1, ' ', false,
                                                         nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void Harden(httplib::Server& http, int threads, const config::ServerConfig& options) {
  const size_t n = threads < 1 ? 1 : static_cast<size_t>(threads);
  // Each connection, idle or stalled, holds a worker; the library default (8 here) is what
  // let a handful of idle keep-alive connections delay the handshake by seconds.
  http.new_task_queue = [n] { return new httplib::ThreadPool(n); };
  http.set_keep_alive_timeout(
      static_cast<time_t>(options.keep_alive_s < 1 ? 1 : options.keep_alive_s));
  SetMillis(options.read_timeout_ms, [&](time_t s, time_t us) { http.set_read_timeout(s, us); });
  SetMillis(options.read_timeout_ms, [&](time_t s, time_t us) { http.set_write_timeout(s, us); });
  http.set_payload_max_length(static_cast<size_t>(options.max_body_bytes));
  // httplib's default adds SO_REUSEPORT, which lets a second process bind the same port and
  // silently take half the connections; SO_REUSEADDR alone still allows a quick restart.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // A JSON error body goes out in a second write; without NODELAY it can wait for a delayed ACK.
  http.set_tcp_nodelay(true);
  // Runs for every answer >= 400: our own already carry a JSON body, httplib's have none.
  http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        SetJsonError(res, res.status, ReasonFor(res.status));
        return httplib::Server::HandlerResponse::Handled;
      }));
  // The default handler would put e.what() into a response header.
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                std::exception_ptr) { SetJsonError(res, 500, "internal error"); });
}

Result<int> BindServer(httplib::Server& http, const std::string& host, int port) {
  const int bound =
      port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Status::Unavailable("cannot bind " + host + ":" + std::to_string(port));
  }
  return bound;
}

void StartServer(httplib::Server& http, std::thread& thread) {
  if (thread.joinable()) return;
  auto finished = std::make_shared<std::atomic<bool>>(false);
  thread = std::thread([&http, finished] {
    http.listen_after_bind();
    finished->store(true);
  });
  // listen_after_bind sets is_running() just before its accept loop and stop() is a no-op until
  // then; a listener that was never bound returns at once, so stop waiting when it finished.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!http.is_running() && !finished->load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void StopServer(httplib::Server& http, std::thread& thread) {
  http.stop();
  if (thread.joinable()) thread.join();
}

}  // namespace subkeeper::server::internal
