// The listeners' options from the config: the server module takes its own option structs and
// knows nothing of config, so the app maps one to the other here. Pure functions.
#pragma once

#include "subkeeper/config/config.h"
#include "subkeeper/server/http_server.h"

namespace subkeeper::app {

// The `server` section, field for field (the server clamps values below their minimum).
server::ServerOptions ToServerOptions(const config::ServerConfig& config);

// `listen.tls`, with its files read as every file the config names is (config::ReadBoundedFile:
// regular files of at most config::kMaxTlsFileBytes, never blocking on a FIFO).
server::TlsOptions ToTlsOptions(const config::TlsConfig& tls);

}  // namespace subkeeper::app
