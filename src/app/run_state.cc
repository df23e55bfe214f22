#include "subkeeper/app/run_state.h"

#include <nlohmann/json.hpp>

#include "subkeeper/common/private_file.h"

namespace subkeeper::app {

std::string FormatRunState(const RunState& state) {
  const nlohmann::json doc{{"pid", state.pid},
                           {"webhooks", state.webhooks_port},
                           {"admin", state.admin_port},
                           {"admin_url", state.admin_url},
                           {"public_url", state.public_url}};
  return doc.dump() + "\n";
}

Status WriteRunState(const std::string& path, const RunState& state) {
  Status written = WritePrivateFile(path, FormatRunState(state));
  if (written.ok()) return written;
  return Status::Unavailable("listen.state_file: " + written.message());
}

std::optional<int> ReadAdminPort(const std::string& path) {
  const std::string text = ReadTrustedFile(path, 4096);
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  const auto admin = doc.find("admin");
  if (admin == doc.end() || !admin->is_number_integer()) return std::nullopt;
  const auto port = admin->get<int64_t>();
  if (port < 1 || port > 65535) return std::nullopt;
  return static_cast<int>(port);
}

}  // namespace subkeeper::app
