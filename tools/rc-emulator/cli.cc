#include "rcemu/cli.h"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

namespace rcemu {

using subkeeper::Result;
using subkeeper::Status;

namespace {

Result<int64_t> ParseInt(const std::string& flag, const std::string& value, int64_t min,
                         int64_t max) {
  int64_t out = 0;
  const auto* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (value.empty() || ec != std::errc() || ptr != end || out < min || out > max) {
    return Status::InvalidArgument(flag + ": expected an integer in [" + std::to_string(min) +
                                   ", " + std::to_string(max) + "], got '" + value + "'");
  }
  return out;
}

Status ParseListen(const std::string& value, CliConfig* cfg) {
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument("--listen: expected HOST:PORT");
  }
  SK_ASSIGN_OR_RETURN(const int64_t port, ParseInt("--listen", value.substr(colon + 1), 0, 65535));
  cfg->host = value.substr(0, colon);
  cfg->port = static_cast<int>(port);
  return Status::OK();
}

using Setter = std::function<Status(const std::string&, CliConfig*)>;

// A setter for an integer flag stored through `assign`.
Setter IntFlag(const std::string& flag, int64_t min, int64_t max,
               std::function<void(CliConfig*, int64_t)> assign) {
  return [=](const std::string& value, CliConfig* cfg) -> Status {
    SK_ASSIGN_OR_RETURN(const int64_t n, ParseInt(flag, value, min, max));
    assign(cfg, n);
    return Status::OK();
  };
}

const std::map<std::string, Setter>& Setters() {
  static const auto* setters = new std::map<std::string, Setter>{
      {"--listen", ParseListen},
      {"--port-file",
       [](const std::string& v, CliConfig* c) {
         c->port_file = v;
         return Status::OK();
       }},
      {"--client-id",
       [](const std::string& v, CliConfig* c) {
         c->options.client_id = v;
         return Status::OK();
       }},
      {"--client-secret",
       [](const std::string& v, CliConfig* c) {
         c->options.client_secret = subkeeper::Secret(v);
         return Status::OK();
       }},
      {"--reminder-job-interval",
       IntFlag("--reminder-job-interval", 1, 86400,
               [](CliConfig* c, int64_t n) { c->options.reminder_job_interval = Seconds(n); })},
      {"--access-token-ttl",
       IntFlag("--access-token-ttl", 1, 86400 * 365,
               [](CliConfig* c, int64_t n) { c->options.access_token_ttl = Seconds(n); })},
      {"--refresh-token-ttl",
       IntFlag("--refresh-token-ttl", 1, 86400 * 365,
               [](CliConfig* c, int64_t n) { c->options.refresh_token_ttl = Seconds(n); })},
      {"--blacklist-after",
       IntFlag("--blacklist-after", 1, 1000000,
               [](CliConfig* c, int64_t n) { c->options.blacklist_after = static_cast<int>(n); })},
      {"--penalty", IntFlag("--penalty", 1, 86400,
                            [](CliConfig* c, int64_t n) { c->options.penalty = Seconds(n); })},
      {"--handshake-timeout-ms",
       IntFlag("--handshake-timeout-ms", 1, 600000,
               [](CliConfig* c, int64_t n) { c->options.handshake_timeout = Millis(n); })},
      {"--delivery-timeout-ms",
       IntFlag("--delivery-timeout-ms", 1, 600000,
               [](CliConfig* c, int64_t n) { c->options.delivery_timeout = Millis(n); })},
      {"--demo-events-interval",
       IntFlag("--demo-events-interval", 0, 86400,
               [](CliConfig* c, int64_t n) { c->options.demo_events_interval = Seconds(n); })},
      {"--ca-file",
       [](const std::string& v, CliConfig* c) {
         c->ca_file = v;
         return Status::OK();
       }},
      {"--app-secret",
       [](const std::string& v, CliConfig* c) {
         c->options.app_secret = subkeeper::Secret(v);
         return Status::OK();
       }},
      {"--rate-limits", [](const std::string& v,
                           CliConfig* c) { return ParseRateLimits(v, &c->options.rate_limits); }},
      {"--log-level",
       [](const std::string& v, CliConfig* c) {
         // "warning" is what its records say; "warn" stays as an alias.
         if (v != "info" && v != "debug" && v != "warning" && v != "warn") {
           return Status::InvalidArgument("--log-level: expected info, debug or warning");
         }
         c->log_level = v;
         return Status::OK();
       }},
  };
  return *setters;
}

}  // namespace

Status ParseRateLimits(const std::string& text, RateLimits* limits) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string pair = text.substr(start, end - start);
    const size_t eq = pair.find('=');
    const std::string name = pair.substr(0, eq);
    int* slot = name == "light"    ? &limits->light
                : name == "medium" ? &limits->medium
                : name == "heavy"  ? &limits->heavy
                : name == "auth"   ? &limits->auth
                                   : nullptr;
    if (slot == nullptr || eq == std::string::npos) {
      return Status::InvalidArgument(
          "--rate-limits: expected group=N with group light, medium, "
          "heavy or auth, got '" +
          pair + "'");
    }
    SK_ASSIGN_OR_RETURN(const int64_t n,
                        ParseInt("--rate-limits", pair.substr(eq + 1), 1, 1000000));
    *slot = static_cast<int>(n);
    start = end + 1;
  }
  return Status::OK();
}

Result<CliConfig> ParseCli(const std::vector<std::string>& args) {
  CliConfig cfg;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") {
      cfg.help = true;
      continue;
    }
    if (flag == "--version") {
      cfg.version = true;
      continue;
    }
    auto it = Setters().find(flag);
    if (it == Setters().end()) return Status::InvalidArgument("unknown flag " + flag);
    if (i + 1 >= args.size()) return Status::InvalidArgument(flag + ": missing value");
    SK_RETURN_IF_ERROR(it->second(args[++i], &cfg));
  }
  return cfg;
}

std::string CliUsage() {
  return R"(rc-emulator: a RingCentral platform emulator (OAuth, webhook subscriptions, control API)

Usage: rc-emulator [flags]
  --listen HOST:PORT             default 127.0.0.1:18080; port 0 = any free port
  --port-file PATH               once listening, write {"port":N} there (atomically)
  --client-id ID                 default demo-client
  --client-secret S              default demo-secret (Basic auth must match)
  --reminder-job-interval S      default 5: reminder/expiry job period, and the minimum
                                 reminder threshold/interval accepted
  --access-token-ttl S           default 3600
  --refresh-token-ttl S          default 604800
  --blacklist-after N            consecutive failed deliveries before Blacklisted; default 3
  --rate-limits light=50,medium=40,heavy=10,auth=5
  --penalty S                    429 penalty; default 60
  --handshake-timeout-ms MS      default 3000
  --delivery-timeout-ms MS       default 3000
  --demo-events-interval S       default 0 (off): every S seconds each Active subscription
                                 gets one demo event for its first non-reminder filter
  --ca-file PATH                 trust this PEM file (instead of the system CAs) when
                                 delivering to https addresses
  --app-secret S                 the app sink (POST /_emulator/app/...) checks Standard
                                 Webhooks signatures with this key (as the keeper derives it)
  --log-level info|debug|warn
  --help, --version
Control API under /_emulator (health, subscriptions, faults, settings, revoke-jwt, calls,
deliveries, app). SIGINT/SIGTERM stop it.
)";
}

Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "{\"port\":" << port << "}\n";
    out.close();
    if (!out) return Status::Unavailable("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Unavailable("cannot rename " + tmp + ": " + ec.message());
  return Status::OK();
}

}  // namespace rcemu
