// Internal to the server module: what both listeners share on top of cpp-httplib.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "subkeeper/common/status.h"
#include "subkeeper/config/config.h"

namespace subkeeper::server::internal {

// Sets status and a {"error": reason} JSON body.
void SetJsonError(httplib::Response& res, int status, std::string_view reason);

// Thread pool, keep-alive/read/write timeouts, TCP_NODELAY, a JSON answer for every error
// httplib produces itself (400, 404, 413, …) and for exceptions (never their text).
void Harden(httplib::Server& http, int threads, const config::ServerConfig& options);

// bind_to_port / bind_to_any_port; returns the bound port or kUnavailable naming host:port.
Result<int> BindServer(httplib::Server& http, const std::string& host, int port);

// Starts listen_after_bind on `thread` and returns once the server accepts connections, so a
// Stop() right after Start() cannot miss it.
void StartServer(httplib::Server& http, std::thread& thread);

// Stops the listener and joins its thread. Idempotent.
void StopServer(httplib::Server& http, std::thread& thread);

}  // namespace subkeeper::server::internal
