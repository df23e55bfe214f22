// docker/compose.yaml cannot be run here (no Docker engine on the build machines), so its health
// wiring is checked as data: every service probes a port it actually listens on (the image's
// HEALTHCHECK asks the keeper's admin port, which the emulator and the sample app do not serve,
// so a service without its own healthcheck would be marked unhealthy), and every depends_on
// waits for service_healthy (https://docs.docker.com/reference/compose-file/services/).
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "subkeeper/config/checks.h"

namespace subkeeper::config {
namespace {

const std::string kDocker = std::string(SUBKEEPER_SOURCE_DIR) + "/docker/";

// The port of "host:port", nullopt when it is not one.
std::optional<int> PortOf(const std::string& address) {
  const auto parsed = ParseListenAddress(address);
  if (!parsed) return std::nullopt;
  return parsed->port;
}

// The ports a service listens on: the `--listen` argument of its command, or for the keeper the
// listen addresses of the config file mounted at /etc/subkeeper/subkeeper.yaml.
std::set<int> ListenPorts(const YAML::Node& service) {
  std::set<int> ports;
  const YAML::Node command = service["command"];
  for (size_t i = 0; command.IsSequence() && i + 1 < command.size(); ++i) {
    if (command[i].as<std::string>() == "--listen") {
      if (auto port = PortOf(command[i + 1].as<std::string>())) ports.insert(*port);
    }
  }
  for (const YAML::Node& volume : service["volumes"]) {
    const std::string spec = volume.as<std::string>();
    const std::string target = ":/etc/subkeeper/subkeeper.yaml";
    const size_t at = spec.find(target);
    if (at == std::string::npos) continue;
    const YAML::Node config = YAML::LoadFile(kDocker + spec.substr(0, at));
    for (const char* key : {"webhooks", "admin"}) {
      if (auto port = PortOf(config["listen"][key].as<std::string>())) ports.insert(*port);
    }
  }
  return ports;
}

// "http://127.0.0.1:9090/healthz" -> {"127.0.0.1", 9090, "/healthz"}.
struct Probe {
  std::string host;
  int port = 0;
  std::string path;
};
std::optional<Probe> ProbeOf(const YAML::Node& test) {
  for (const YAML::Node& arg : test) {
    const std::string text = arg.as<std::string>();
    if (!text.starts_with("http://")) continue;
    const size_t slash = text.find('/', 7);
    const std::string authority = text.substr(7, slash - 7);
    const size_t colon = authority.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    return Probe{authority.substr(0, colon), std::stoi(authority.substr(colon + 1)),
                 slash == std::string::npos ? "/" : text.substr(slash)};
  }
  return std::nullopt;
}

TEST_CASE("docker/compose.yaml: every service probes what it serves", "[config][docker]") {
  const YAML::Node compose = YAML::LoadFile(kDocker + "compose.yaml");
  const YAML::Node services = compose["services"];
  REQUIRE(services.IsMap());
  REQUIRE(services.size() == 3);
  // The health endpoint of each program: rc-emulator's control API, the keeper's admin port,
  // the sample app's GET /healthz.
  const std::map<std::string, std::string> endpoint = {
      {"rc-emulator", "/_emulator/health"}, {"subkeeper", "/healthz"}, {"sample-app", "/healthz"}};
  for (const auto& entry : services) {
    const std::string name = entry.first.as<std::string>();
    const YAML::Node service = entry.second;
    INFO("service " << name);
    const std::set<int> ports = ListenPorts(service);
    REQUIRE_FALSE(ports.empty());
    const YAML::Node health = service["healthcheck"];
    REQUIRE(health.IsMap());
    const YAML::Node test = health["test"];
    REQUIRE(test.IsSequence());
    CHECK(test[0].as<std::string>() == "CMD");
    const std::optional<Probe> probe = ProbeOf(test);
    REQUIRE(probe.has_value());
    CHECK(probe->host == "127.0.0.1");  // inside the service's own container
    CHECK(ports.count(probe->port) == 1);
    REQUIRE(endpoint.count(name) == 1);
    CHECK(probe->path == endpoint.at(name));
  }
}

TEST_CASE("docker/compose.yaml: depends_on waits for healthy services", "[config][docker]") {
  const YAML::Node services = YAML::LoadFile(kDocker + "compose.yaml")["services"];
  int waits = 0;
  for (const auto& entry : services) {
    const YAML::Node depends = entry.second["depends_on"];
    if (!depends) continue;
    INFO("service " << entry.first.as<std::string>());
    // The short form (a list) only waits for the container to start.
    REQUIRE(depends.IsMap());
    for (const auto& dependency : depends) {
      const std::string name = dependency.first.as<std::string>();
      INFO("depends on " << name);
      CHECK(dependency.second["condition"].as<std::string>() == "service_healthy");
      REQUIRE(services[name].IsMap());
      CHECK(services[name]["healthcheck"].IsMap());
      ++waits;
    }
  }
  CHECK(waits == 2);  // subkeeper on the platform and on the app
}

TEST_CASE("docker/compose.yaml: the keeper and the app share a Standard Webhooks secret",
          "[config][docker]") {
  const YAML::Node services = YAML::LoadFile(kDocker + "compose.yaml")["services"];
  const std::string keeper =
      services["subkeeper"]["environment"]["SUBKEEPER_SIGNING_SECRET"].as<std::string>();
  const std::string app =
      services["sample-app"]["environment"]["SAMPLE_APP_SECRET"].as<std::string>();
  CHECK(keeper == app);
  CHECK(keeper.starts_with("${SUBKEEPER_SIGNING_SECRET:-whsec_"));
  const YAML::Node config = YAML::LoadFile(kDocker + "compose/subkeeper.yaml");
  CHECK(config["relay"]["signing_secret"].as<std::string>() == "${SUBKEEPER_SIGNING_SECRET}");
}

}  // namespace
}  // namespace subkeeper::config
