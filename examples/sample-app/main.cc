// A tiny app that receives the events subkeeper relays: it checks each request's Standard
// Webhooks signature, ignores a webhook-id it has already seen (a retry), prints one line per
// event and answers 204. GET /events lists what it received. Copy it as a starting point.
//
//   subkeeper-sample-app --listen 0.0.0.0:3000 --secret "$SIGNING_SECRET"
//
// The secret is subkeeper's relay.signing_secret, a Standard Webhooks secret ("whsec_" + base64;
// also from $SAMPLE_APP_SECRET, so it needs not be on the command line). While the keeper lists
// several secrets (a key rotation) each request carries one signature per secret and passes here
// when any of them matches. GET /healthz answers 200 (the compose healthcheck).
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "subkeeper/common/secret.h"
#include "subkeeper/relay/signature.h"

namespace {

constexpr const char* kUsage =
    "usage: subkeeper-sample-app [--listen HOST:PORT] [--secret S]\n"
    "  --listen HOST:PORT  default 0.0.0.0:3000\n"
    "  --secret S          the relay signing secret (default: $SAMPLE_APP_SECRET)\n"
    "POST any path: a relayed event (signature checked); GET /events: what was received;\n"
    "GET /healthz: 200 while serving.\n";

struct Received {
  std::string id;
  std::string account;
  std::string subscription;
  std::string kind;
  std::string body;
};

class Inbox {
 public:
  // False when `id` was already received: the relay sends an event again until it gets a 2xx.
  bool Add(Received event) {
    std::lock_guard lock(mu_);
    if (!seen_.insert(event.id).second) return false;
    events_.push_back(std::move(event));
    return true;
  }
  nlohmann::json Json() const {
    std::lock_guard lock(mu_);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : events_) {
      list.push_back({{"id", e.id},
                      {"account", e.account},
                      {"subscription", e.subscription},
                      {"kind", e.kind},
                      {"body", nlohmann::json::parse(e.body, nullptr, false)}});
    }
    return list;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> seen_;
  std::vector<Received> events_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "0.0.0.0:3000";
  const char* env_secret = std::getenv("SAMPLE_APP_SECRET");
  std::string secret = env_secret != nullptr ? env_secret : "";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--listen" || arg == "--secret") && i + 1 < argc) {
      (arg == "--listen" ? listen : secret) = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "subkeeper-sample-app: unknown argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  const size_t colon = listen.rfind(':');
  if (secret.empty() || colon == std::string::npos) {
    std::fprintf(stderr, "subkeeper-sample-app: need --listen HOST:PORT and a secret\n%s", kUsage);
    return 2;
  }
  const std::optional<std::string> problem = subkeeper::relay::SigningSecretProblem(secret);
  if (problem) {
    // The reason never contains the secret.
    std::fprintf(stderr, "subkeeper-sample-app: the secret %s\n", problem->c_str());
    return 2;
  }
  const std::string key = *subkeeper::relay::SigningKey(subkeeper::Secret(secret));
  Inbox inbox;
  httplib::Server server;
  server.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string id = req.get_header_value("webhook-id");
    if (!subkeeper::relay::Verify(key, id, req.get_header_value("webhook-timestamp"), req.body,
                                  req.get_header_value("webhook-signature"), now)) {
      res.status = 401;  // not from subkeeper, or too old: the relay retries, then dead-letters
      res.set_content(R"({"error":"bad signature"})", "application/json");
      return;
    }
    Received event{id, req.get_header_value("subkeeper-account"),
                   req.get_header_value("subkeeper-subscription"),
                   req.get_header_value("subkeeper-event-kind"), req.body};
    const bool fresh = inbox.Add(event);
    std::printf("%s %s/%s %s %s\n", fresh ? "received" : "duplicate", event.account.c_str(),
                event.subscription.c_str(), event.kind.c_str(), id.c_str());
    std::fflush(stdout);
    res.status = 204;
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server.Get("/events", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(inbox.Json().dump(2), "application/json");
  });
  const std::string host = listen.substr(0, colon);
  const int port = std::atoi(listen.c_str() + colon + 1);
  std::printf("subkeeper-sample-app listening on %s\n", listen.c_str());
  std::fflush(stdout);
  if (!server.listen(host, port)) {
    std::fprintf(stderr, "subkeeper-sample-app: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  return 0;
}
