// Writes the fleet of bench/tools/fleet.h for the scale benchmarks: a SQLite store holding N
// subscription records (written through store::OpenSqliteStore + PutSubscription, one
// transaction each, as the keeper writes them) and/or the keeper config that matches it.
//
//   bench_seed_store --subscriptions N [--db FILE] [--config FILE] [--fleet-config FILE]
//                    [--store-path FILE] [--platform URL] [--admin HOST:PORT]
//                    [--webhooks HOST:PORT] [--seed S] [--public-url URL] [--remote FILE]
//
// --db writes the store (it must not exist yet); --config writes the YAML (JSON when FILE ends in
// ".json"), whose store.sqlite is --store-path (default: --db), so a run can point the keeper at
// a fresh copy of a store seeded once. --fleet-config writes the same configuration in the
// compact form: one template of the three subscriptions and FILE.accounts.jsonl naming it per
// account (an account short of three, the last one, lists its subscriptions explicitly), so
// the keeper ends up with exactly the flat form's subscriptions. Both listeners default to port 0.
// --remote takes the subscriptions bench/lib/populate.py created in the emulator (ids, filters,
// times) and
// --public-url the keeper's address they were created for, so the store and the platform agree. The
// reconcile interval is one day, so no periodic reconcile disturbs a measurement; the start-up
// reconcile is whatever the keeper does.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fleet.h"
#include "subkeeper/common/time_format.h"
#include "subkeeper/store/sqlite_store.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: bench_seed_store --subscriptions N [--db FILE] [--config FILE] "
               "[--fleet-config FILE] [--store-path FILE] [--platform URL] [--admin HOST:PORT] "
               "[--webhooks HOST:PORT] [--seed S] [--public-url URL] [--remote FILE]\n");
  return 2;
}

std::string Q(const std::string& text) { return "\"" + text + "\""; }

int64_t Accounts(const bench::FleetOptions& fleet) {
  // At least one account (the config requires one): N = 0 is the keeper's baseline.
  return std::max<int64_t>(1, (fleet.subscriptions + bench::kPerAccount - 1) / bench::kPerAccount);
}

// Where subscription `slot` of `account` delivers: the emulator's app sink, one path each.
std::string DeliverTo(const bench::FleetOptions& fleet, const std::string& account, int slot) {
  return fleet.platform_url + "/_emulator/app/" + account + "-" + bench::SubscriptionName(slot);
}

// One subscriptions[] entry (or, with `account` empty, a template entry) as a flow mapping.
std::string Entry(const bench::FleetOptions& fleet, const std::string& account, int slot) {
  return "{" + Q("name") + ": " + Q(bench::SubscriptionName(slot)) + ", " +
         (account.empty() ? "" : Q("account") + ": " + Q(account) + ", ") + Q("event_filters") +
         ": [" + Q(bench::EventFilter(slot)) + "], " + Q("expires_in") + ": " +
         std::to_string(fleet.expires_in_s) + ", " + Q("deliver_to") + ": " +
         Q(DeliverTo(fleet, account.empty() ? "{account}" : account, slot)) + "}";
}

// The settings every form shares, as top-level keys each followed by `sep`.
void WriteSettings(std::ostream& out, const bench::FleetOptions& fleet,
                   const std::map<std::string, std::string>& args, const std::string& sep) {
  out << Q("listen") << ": {" << Q("webhooks") << ": " << Q(args.at("--webhooks")) << ", "
      << Q("admin") << ": " << Q(args.at("--admin")) << "}" << sep << Q("store") << ": {"
      << Q("sqlite") << ": " << Q(args.at("--store-path")) << "}" << sep << Q("platform") << ": {"
      << Q("server") << ": " << Q(fleet.platform_url) << ", " << Q("client_id") << ": "
      << Q("demo-client") << ", " << Q("client_secret") << ": " << Q("demo-secret") << "}" << sep
      << Q("webhook_secret") << ": " << Q(fleet.webhook_secret.Reveal()) << sep << Q("relay")
      << ": {" << Q("signing_secret") << ": " << Q(fleet.signing_secret.Reveal()) << "}" << sep
      << Q("renewal") << ": {" << Q("reconcile_interval") << ": 86400}" << sep << Q("log") << ": {"
      << Q("level") << ": " << Q("warn") << "}" << sep;
}

// The compact form: `path` (YAML with one template) and `path`.accounts.jsonl.
bool WriteFleetConfig(const std::string& path, const bench::FleetOptions& fleet,
                      const std::map<std::string, std::string>& args) {
  const int64_t accounts = Accounts(fleet);
  const std::string accounts_path = path + ".accounts.jsonl";
  const int64_t full = fleet.subscriptions / bench::kPerAccount;  // accounts with all three
  std::ofstream out(path, std::ios::trunc);
  out << "# Written by bench_seed_store: " << fleet.subscriptions << " relayed subscriptions, "
      << bench::kPerAccount << " per account (template \"fleet\"), " << accounts << " accounts in "
      << accounts_path << ".\n"
      << "# Throwaway credentials for the bundled emulator. reconcile_interval is one day so\n"
      << "# no periodic reconcile disturbs a measurement.\n";
  WriteSettings(out, fleet, args, "\n");
  out << Q("templates") << ":\n  " << Q("fleet") << ":\n";
  for (int slot = 0; slot < bench::kPerAccount; ++slot)
    out << "    - " << Entry(fleet, "", slot) << "\n";
  const auto slash = accounts_path.find_last_of('/');
  out << Q("accounts_file") << ": "
      << Q(slash == std::string::npos ? accounts_path : accounts_path.substr(slash + 1)) << "\n";
  // The last account, short of three, lists its own: the template would give it all three.
  const int rest = static_cast<int>(fleet.subscriptions - full * bench::kPerAccount);
  if (rest > 0) {
    out << Q("subscriptions") << ":\n";
    for (int slot = 0; slot < rest; ++slot) {
      out << "  - " << Entry(fleet, bench::AccountName(full), slot) << "\n";
    }
  }
  std::ofstream lines(accounts_path, std::ios::trunc);
  for (int64_t a = 0; a < accounts; ++a) {
    const std::string name = bench::AccountName(a);
    lines << "{" << Q("name") << ": " << Q(name) << ", " << Q("jwt") << ": " << Q("jwt-" + name)
          << (a < full ? ", " + Q("templates") + ": [" + Q("fleet") + "]" : "") << "}\n";
  }
  return static_cast<bool>(out) && static_cast<bool>(lines);
}

// The config as YAML (block style at the top, one flow mapping per entry) or, for a path ending
// in ".json", as JSON with the same entries: the keeper loads either.
bool WriteConfig(const std::string& path, const bench::FleetOptions& fleet,
                 const std::map<std::string, std::string>& args) {
  const bool json = path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  const int64_t accounts = Accounts(fleet);
  const std::string sep = json ? ",\n" : "\n";  // between top-level keys and list items
  const std::string item = json ? "  " : "  - ";
  std::ofstream out(path, std::ios::trunc);
  if (json) {
    out << "{\n";
  } else {
    out << "# Written by bench_seed_store: " << fleet.subscriptions << " relayed subscriptions, "
        << bench::kPerAccount << " per account, " << accounts << " accounts.\n"
        << "# Throwaway credentials for the bundled emulator. reconcile_interval is one day so\n"
        << "# no periodic reconcile disturbs a measurement.\n";
  }
  WriteSettings(out, fleet, args, sep);
  out << Q("accounts") << ": " << (json ? "[\n" : "\n");
  for (int64_t a = 0; a < accounts; ++a) {
    const std::string name = bench::AccountName(a);
    out << item << "{" << Q("name") << ": " << Q(name) << ", " << Q("jwt") << ": "
        << Q("jwt-" + name) << "}" << (json && a + 1 < accounts ? ",\n" : "\n");
  }
  out << (json ? "]" : "") << (json ? sep : "") << Q("subscriptions") << ": "
      << (json || fleet.subscriptions == 0 ? "[" : "") << "\n";
  for (int64_t i = 0; i < fleet.subscriptions; ++i) {
    const std::string account = bench::AccountName(i / bench::kPerAccount);
    const int slot = static_cast<int>(i % bench::kPerAccount);
    out << item << Entry(fleet, account, slot)
        << (json && i + 1 < fleet.subscriptions ? ",\n" : "\n");
  }
  if (json || fleet.subscriptions == 0) out << "]\n";
  if (json) out << "}\n";
  return static_cast<bool>(out);
}

// Takes the next line of bench/lib/populate.py's output: the subscription the emulator holds
// for this record, with its id, filters and times. The fallback timer follows the new expiry.
subkeeper::Status FromRemote(std::ifstream& in, subkeeper::store::SubscriptionRecord& record) {
  std::string line;
  if (!std::getline(in, line)) return subkeeper::Status::NotFound("--remote: too few lines");
  const auto remote = nlohmann::json::parse(line, nullptr, false);
  if (remote.is_discarded() || remote.value("account", "") != record.account ||
      remote.value("name", "") != record.name) {
    return subkeeper::Status::InvalidArgument("--remote: expected " + record.account + "/" +
                                              record.name + ", got " + line);
  }
  SK_ASSIGN_OR_RETURN(const auto created,
                      subkeeper::ParseIso8601(remote.value("creationTime", "")));
  SK_ASSIGN_OR_RETURN(const auto expires,
                      subkeeper::ParseIso8601(remote.value("expirationTime", "")));
  record.remote_id = remote.value("id", "");
  record.remote_filters = remote.value("eventFilters", std::vector<std::string>{});
  record.remote_created_at = created;
  record.last_renewed_at = created;
  record.next_renewal_at = record.next_renewal_at + (expires - record.expires_at);
  record.expires_at = expires;
  return subkeeper::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args = {{"--platform", "http://127.0.0.1:18080"},
                                             {"--admin", "127.0.0.1:0"},
                                             {"--webhooks", "127.0.0.1:0"},
                                             {"--seed", "1"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (argc % 2 == 0 || !args.count("--subscriptions")) return Usage();
  if (!args.count("--store-path")) args["--store-path"] = args.count("--db") ? args["--db"] : "";

  bench::FleetOptions fleet;
  fleet.subscriptions = std::atoll(args["--subscriptions"].c_str());
  fleet.seed = std::strtoull(args["--seed"].c_str(), nullptr, 10);
  fleet.platform_url = args["--platform"];
  if (args.count("--public-url")) fleet.public_url = args["--public-url"];

  if (args.count("--config") && !WriteConfig(args["--config"], fleet, args)) {
    std::fprintf(stderr, "cannot write %s\n", args["--config"].c_str());
    return 1;
  }
  if (args.count("--fleet-config") && !WriteFleetConfig(args["--fleet-config"], fleet, args)) {
    std::fprintf(stderr, "cannot write %s\n", args["--fleet-config"].c_str());
    return 1;
  }
  if (args.count("--db")) {
    struct stat st;
    if (stat(args["--db"].c_str(), &st) == 0) {
      std::fprintf(stderr, "%s exists: seed a new file\n", args["--db"].c_str());
      return 1;
    }
    subkeeper::SystemClock clock;
    auto store = subkeeper::store::OpenSqliteStore(args["--db"], clock);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return 1;
    }
    std::ifstream remote;
    if (args.count("--remote")) remote.open(args["--remote"]);
    subkeeper::Status seeded = bench::SeedFleet(
        **store, fleet, clock.Now(),
        args.count("--remote")
            ? bench::AdjustRecord([&](int64_t, auto& record) { return FromRemote(remote, record); })
            : bench::AdjustRecord());
    if (!seeded.ok()) {
      std::fprintf(stderr, "%s\n", seeded.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
