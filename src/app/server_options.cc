#include "subkeeper/app/server_options.h"

#include <string>

#include "subkeeper/config/limits.h"

namespace subkeeper::app {

server::ServerOptions ToServerOptions(const config::ServerConfig& config) {
  server::ServerOptions options;
  options.threads = config.threads;
  options.read_timeout_ms = config.read_timeout_ms;
  options.keep_alive_s = config.keep_alive_s;
  options.max_body_bytes = config.max_body_bytes;
  options.commit_budget_ms = config.commit_budget_ms;
  return options;
}

server::TlsOptions ToTlsOptions(const config::TlsConfig& tls) {
  server::TlsOptions options;
  options.cert_path = tls.cert_path;
  options.key_path = tls.key_path;
  options.read_file = [](const std::string& path) {
    return config::ReadBoundedFile(path, config::kMaxTlsFileBytes);
  };
  return options;
}

}  // namespace subkeeper::app
