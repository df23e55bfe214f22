// The rules on values. Pure: a Config (plus, from the loader, where each key was) in, issues out.
#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "internal.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/relay/signature.h"
#include "subkeeper/store/postgres_store.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::config {
namespace internal {
namespace {

constexpr std::string_view kReminderFilterPrefix = "/restapi/v1.0/subscription/~";
// Stands for the account in template URLs while they are checked.
constexpr std::string_view kSampleAccount = "account";

std::string Sub(size_t i) { return "subscriptions[" + std::to_string(i) + "]"; }

class Validator {
 public:
  explicit Validator(const SourceInfo& source) : source_(source) {}

  std::vector<ConfigIssue> Run(const Config& c, const Templates& templates);

 private:
  void Add(const std::string& path, std::string rule);
  void Required(bool present, const std::string& path) {
    if (!present) Add(path, "is required");
  }
  void Range(int64_t value, int64_t lo, int64_t hi, const std::string& path, std::string why = "");
  void Url(const std::string& url, const std::string& path, bool allow_query = true);
  void Name(const std::string& name, const std::string& path);
  void Listen(const std::string& address, const std::string& path);
  void Platform(const PlatformConfig& p);
  void Accounts(const std::vector<AccountConfig>& accounts);
  void Subscriptions(const Config& c);
  void TemplateEntries(const Templates& templates, int64_t job_interval);
  void Subscription(const SubscriptionConfig& s, const std::string& path, int64_t job_interval);
  void Filters(const std::vector<std::string>& filters, const std::string& path);
  void ReminderRules(const SubscriptionConfig& s, const std::string& path, int64_t job_interval);
  void Tuning(const Config& c);
  void SigningSecrets(const Config& c);
  void Log(const Config& c);
  void Tls(const TlsConfig& tls);

  int LineOf(std::string path) const;
  bool AlreadyReported(std::string path) const;

  const SourceInfo& source_;
  std::vector<ConfigIssue> issues_;
};

int Validator::LineOf(std::string path) const {
  while (true) {
    if (auto it = source_.lines.find(path); it != source_.lines.end() && it->second > 0) {
      return it->second;
    }
    if (path.empty()) return 0;
    path = ParentPath(path);
  }
}

bool Validator::AlreadyReported(std::string path) const {
  while (true) {
    if (source_.reported.count(path) != 0) return true;
    if (path.empty()) return false;
    path = ParentPath(path);
  }
}

void Validator::Add(const std::string& path, std::string rule) {
  if (AlreadyReported(path)) return;
  issues_.push_back({source_.file, LineOf(path), path, std::move(rule)});
}

void Validator::Range(int64_t value, int64_t lo, int64_t hi, const std::string& path,
                      std::string why) {
  if (value >= lo && value <= hi) return;
  Add(path, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
                std::to_string(value) + ")" + why);
}

void Validator::Url(const std::string& url, const std::string& path, bool allow_query) {
  if (auto problem = CheckHttpUrl(url, allow_query)) Add(path, *problem);
}

void Validator::Name(const std::string& name, const std::string& path) {
  if (name.empty()) {
    Add(path, "is required");
  } else if (!IsValidName(name)) {
    Add(path, "must match [A-Za-z0-9_-]{1,64} (got '" + name.substr(0, 80) + "')");
  }
}

void Validator::Listen(const std::string& address, const std::string& path) {
  if (!ParseListenAddress(address)) Add(path, "must be host:port with a port in 0..65535");
}

std::vector<ConfigIssue> Validator::Run(const Config& c, const Templates& templates) {
  if (!c.public_url.empty()) Url(c.public_url, "public_url", /*allow_query=*/false);
  Listen(c.listen.webhooks, "listen.webhooks");
  Listen(c.listen.admin, "listen.admin");
  Tls(c.listen.tls);
  Required(!c.store.sqlite_path.empty() || c.store.UsesPostgres(), "store.sqlite");
  if (c.store.UsesPostgres()) {
    if (Status parsed = store::CheckPostgresConninfo(c.store.postgres.Reveal()); !parsed.ok()) {
      Add("store.postgres", parsed.message());
    }
  }
  Range(c.store.claim_ttl_s, 3, 600, "store.claim_ttl");
  // A platform call is sent only when it ends inside the claim's trust window, which after an
  // extension has at least 0.6 × the TTL left (docs/replicas.md): half leaves room.
  if (c.store.UsesPostgres() && c.platform.request_timeout_ms * 2 > c.store.claim_ttl_s * 1000) {
    Add("platform.request_timeout_ms",
        "must be at most half of store.claim_ttl (" + std::to_string(c.store.claim_ttl_s * 500) +
            " ms) with store.postgres, so that every platform call ends inside the keeper's "
            "claim on its account");
  }
  // The daemon replaces the run-state file whole: naming the database (or its journal) would
  // destroy it.
  if (!c.listen.state_file.empty() && !c.store.sqlite_path.empty() &&
      c.listen.state_file.starts_with(c.store.sqlite_path)) {
    Add("listen.state_file",
        "must not be the store's file (store.sqlite) or beside it with its name");
  }
  Platform(c.platform);
  Required(!c.webhook_secret.empty(), "webhook_secret");
  Accounts(c.accounts);
  Subscriptions(c);
  TemplateEntries(templates, c.platform.reminder_job_interval_s);
  Tuning(c);
  SigningSecrets(c);
  return std::move(issues_);
}

// The relay signs every request it sends, so a config that relays anything (a subscription with
// deliver_to: its events and lifecycle events go there) needs a key; one that does not may omit
// it. Messages name the key path and the rule, never the value.
void Validator::SigningSecrets(const Config& c) {
  const std::string path = "relay.signing_secret";
  const std::vector<Secret>& secrets = c.relay.signing_secrets;
  if (secrets.empty()) {
    const auto relays = std::find_if(
        c.subscriptions.begin(), c.subscriptions.end(),
        [](const SubscriptionConfig& s) { return !s.direct() && !s.deliver_to.empty(); });
    if (relays != c.subscriptions.end()) {
      Add(path,
          "is required when a subscription relays events (has deliver_to), as " +
              (relays->account.empty() ? relays->name : relays->account + "/" + relays->name) +
              " does: a Standard Webhooks secret (whsec_...) that signs the relayed requests; "
              "make one with `subkeeper generate-secret`");
    }
    return;
  }
  if (secrets.size() > kMaxSigningSecrets) {
    Add(path, "must list at most " + std::to_string(kMaxSigningSecrets) + " secrets (got " +
                  std::to_string(secrets.size()) + ")");
  }
  // A single inline string is reported at its own key; list items and file entries by index.
  const bool single = secrets.size() == 1 && source_.lines.count(path + "[0]") == 0;
  const bool from_file = source_.lines.count("relay.signing_secret_file") != 0;
  for (size_t i = 0; i < secrets.size(); ++i) {
    std::optional<std::string> problem = relay::SigningSecretProblem(secrets[i].Reveal());
    if (!problem) continue;
    const std::string where = single ? path : path + "[" + std::to_string(i) + "]";
    Add(where, from_file ? "(secret " + std::to_string(i + 1) + " of relay.signing_secret_file) " +
                               *problem
                         : *problem);
  }
}

void Validator::Platform(const PlatformConfig& p) {
  Url(p.server, "platform.server");
  Required(!p.client_id.empty(), "platform.client_id");
  Required(!p.client_secret.empty(), "platform.client_secret");
  Range(p.reminder_job_interval_s, 1, 86400, "platform.reminder_job_interval");
  Range(p.request_timeout_ms, 100, 600000, "platform.request_timeout_ms");
}

void Validator::Accounts(const std::vector<AccountConfig>& accounts) {
  if (accounts.empty()) Add("accounts", "is required (at least one account)");
  std::map<std::string, size_t> first_index;
  // The accounts file's entries were checked line by line as it was read.
  const size_t end = std::min(accounts.size(), source_.first_streamed_account);
  for (size_t i = 0; i < end; ++i) {
    const std::string path = "accounts[" + std::to_string(i) + "]";
    Name(accounts[i].name, path + ".name");
    // Either credential will do; a refresh token whose file could not be read was reported.
    if (accounts[i].jwt.empty() && accounts[i].refresh_token.empty() &&
        !AlreadyReported(path + ".refresh_token")) {
      Add(path + ".jwt", "is required (or give " + path + ".refresh_token)");
    }
    if (accounts[i].name.empty()) continue;
    auto [it, inserted] = first_index.emplace(accounts[i].name, i);
    if (!inserted) {
      Add(path + ".name", "duplicate account name '" + accounts[i].name + "' (first at accounts[" +
                              std::to_string(it->second) + "])");
    }
  }
}

void Validator::Subscriptions(const Config& c) {
  std::map<std::string, size_t> per_account;
  std::map<std::pair<std::string, std::string>, size_t> first_index;
  // A set, not a scan per subscription: a fleet config has tens of thousands of both.
  std::set<std::string_view> accounts;
  // Subscriptions expanded from templates were checked as template entries, and for clashes
  // and the cap as they were expanded.
  const size_t end = std::min(c.subscriptions.size(), source_.first_expanded_subscription);
  if (end > 0) {
    for (const auto& account : c.accounts) accounts.insert(account.name);
  }
  for (size_t i = 0; i < end; ++i) {
    const SubscriptionConfig& s = c.subscriptions[i];
    Subscription(s, Sub(i), c.platform.reminder_job_interval_s);
    const bool known = accounts.count(s.account) > 0;
    if (!s.account.empty() && !known) {
      Add(Sub(i) + ".account", "names account '" + s.account + "', which is not in accounts");
    }
    if (s.name.empty() || s.account.empty()) continue;
    ++per_account[s.account];
    auto [it, inserted] = first_index.emplace(std::pair{s.account, s.name}, i);
    if (!inserted) {
      Add(Sub(i) + ".name", "duplicate subscription name '" + s.name + "' in account '" +
                                s.account + "' (first at " + Sub(it->second) + ")");
    }
  }
  for (const auto& [account, count] : per_account) {
    if (count > static_cast<size_t>(subscription::kMaxSubscriptionsPerAccount)) {
      Add("subscriptions", "account '" + account + "' has " + std::to_string(count) +
                               " subscriptions; the platform allows at most " +
                               std::to_string(subscription::kMaxSubscriptionsPerAccount) +
                               " per user and app (SUB-505)");
    }
  }
}

void Validator::TemplateEntries(const Templates& templates, int64_t job_interval) {
  for (const auto& [name, entries] : templates) {
    std::set<std::string_view> names;
    for (size_t i = 0; i < entries.size(); ++i) {
      const std::string path = "templates." + name + "[" + std::to_string(i) + "]";
      // URLs are checked as an account will get them: "{account}" is not a valid host, an
      // account name is (and any valid name keeps a URL valid where a sample one does).
      SubscriptionConfig sample = entries[i];
      sample.deliver_to = WithAccount(sample.deliver_to, std::string(kSampleAccount));
      sample.address = WithAccount(sample.address, std::string(kSampleAccount));
      Subscription(sample, path, job_interval);
      if (!entries[i].name.empty() && !names.insert(entries[i].name).second) {
        Add(path + ".name",
            "duplicate subscription name '" + entries[i].name + "' in template '" + name + "'");
      }
    }
  }
}

void Validator::Subscription(const SubscriptionConfig& s, const std::string& path,
                             int64_t job_interval) {
  Name(s.name, path + ".name");
  Required(!s.account.empty(), path + ".account");
  Filters(s.event_filters, path + ".event_filters");
  Range(s.expires_in_s, 1, subscription::kMaxExpiresIn, path + ".expires_in");
  if (!s.direct()) {
    if (!s.deliver_to.empty()) Url(s.deliver_to, path + ".deliver_to");
    ReminderRules(s, path + ".reminder", job_interval);
    return;
  }
  Url(s.address, path + ".address");
  if (s.reminder != subscription::ReminderSpec{}) {
    Add(path + ".reminder",
        "direct subscriptions get no reminder (subkeeper cannot see events sent to address and "
        "renews them by timer); remove it or remove address");
  }
  if (!s.deliver_to.empty()) {
    Add(path + ".deliver_to",
        "a direct subscription delivers to address; deliver_to is only for relayed ones");
  }
}

void Validator::Filters(const std::vector<std::string>& filters, const std::string& path) {
  if (filters.empty()) {
    Add(path, "is required (at least one event filter)");
    return;
  }
  size_t reminders = 0;
  for (size_t i = 0; i < filters.size(); ++i) {
    const std::string item = path + "[" + std::to_string(i) + "]";
    if (filters[i].empty()) {
      Add(item, "must not be empty");
    } else if (filters[i].starts_with(kReminderFilterPrefix)) {
      ++reminders;
      Add(item,
          "is a reminder filter; subkeeper adds it itself (set reminder.threshold and "
          "reminder.interval instead)");
    }
  }
  if (reminders == filters.size()) {
    Add(path, "must contain a filter other than the reminder filter (SUB-515)");
  }
}

void Validator::ReminderRules(const SubscriptionConfig& s, const std::string& path,
                              int64_t job_interval) {
  if (s.expires_in_s < 1 || s.expires_in_s > subscription::kMaxExpiresIn)
    return;  // reported already
  const bool derived = s.reminder == subscription::DefaultReminder(s.expires_in_s);
  for (const std::string& problem :
       subscription::CheckReminderRules(s.expires_in_s, s.reminder, job_interval)) {
    std::string key = problem.starts_with("interval") ? ".interval" : ".threshold";
    Add(path + key, problem + (derived ? " (derived from expires_in; set reminder.threshold and "
                                         "reminder.interval)"
                                       : ""));
  }
}

void Validator::Tuning(const Config& c) {
  const RenewalConfig& r = c.renewal;
  Range(r.lease_s, 1, 86400, "renewal.lease");
  Range(r.min_backoff_s, 1, 3600, "renewal.min_backoff");
  Range(r.max_backoff_s, std::max<int64_t>(1, r.min_backoff_s), 86400, "renewal.max_backoff",
        " (and at least min_backoff)");
  Range(r.direct_margin_pct, 1, 90, "renewal.direct_margin_pct");
  Range(r.reconcile_interval_s, 10, 86400, "renewal.reconcile_interval");
  const ServerConfig& s = c.server;
  Range(s.threads, 1, 1024, "server.threads");
  Range(s.read_timeout_ms, 1, 60000, "server.read_timeout_ms");
  Range(s.keep_alive_s, 0, 3600, "server.keep_alive");
  Range(s.max_body_bytes, 1024, 64 << 20, "server.max_body_bytes");
  Range(s.commit_budget_ms, 1, 2999, "server.commit_budget_ms",
        " (the platform waits about 3000 ms for an answer)");
  const RelayConfig& relay = c.relay;
  Range(relay.timeout_ms, 100, 120000, "relay.timeout_ms");
  Range(relay.concurrency, 1, 64, "relay.concurrency");
  Range(relay.min_backoff_s, 1, 3600, "relay.min_backoff");
  Range(relay.max_backoff_s, std::max<int64_t>(1, relay.min_backoff_s), 86400, "relay.max_backoff",
        " (and at least min_backoff)");
  Range(relay.max_age_s, 1, 30 * 86400, "relay.max_age");
  Range(relay.max_client_error_attempts, 1, 100, "relay.max_client_error_attempts");
  Range(relay.retention_s, 0, 365 * 86400, "relay.retention");
  Range(relay.dead_retention_s, 0, 365 * 86400, "relay.dead_retention");
  Range(relay.failure_events_after, 0, 1000, "relay.failure_events_after", " (0 = never)");
  const std::string& per_subscription = c.metrics.per_subscription;
  if (per_subscription != "auto" && per_subscription != "always" && per_subscription != "never") {
    Add("metrics.per_subscription",
        "must be one of auto, always, never (got '" + per_subscription + "')");
  }
  Log(c);
}

void Validator::Log(const Config& c) {
  // The names records carry (spdlog's), plus "warn", the alias earlier versions documented.
  static const std::vector<std::string> kLevels = {"trace",   "debug", "info",
                                                   "warning", "warn",  "error"};
  auto level = [&](const std::string& value, const std::string& path) {
    if (std::find(kLevels.begin(), kLevels.end(), value) == kLevels.end()) {
      Add(path,
          "must be one of trace, debug, info, warning (or warn), error (got '" + value + "')");
    }
  };
  level(c.log_level, "log.level");
  for (const auto& [module, value] : c.log_modules) level(value, "log.modules." + module);
  if (c.log_format != "text" && c.log_format != "json") {
    Add("log.format", "must be text or json (got '" + c.log_format + "')");
  }
}

void Validator::Tls(const TlsConfig& tls) {
  if (!tls.enabled()) return;
  if (tls.cert_path.empty()) Add("listen.tls.cert", "is required when listen.tls.key is set");
  if (tls.key_path.empty()) Add("listen.tls.key", "is required when listen.tls.cert is set");
}

}  // namespace

std::string ParentPath(const std::string& path) {
  size_t cut = path.find_last_of(".[");
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

std::vector<ConfigIssue> ValidateWithSource(const Config& config, const SourceInfo& source,
                                            const Templates& templates) {
  return Validator(source).Run(config, templates);
}

}  // namespace internal

std::vector<ConfigIssue> Validate(const Config& config) {
  internal::SourceInfo source;
  source.file = config.source_path;
  for (size_t i = 0; i < config.subscriptions.size(); ++i) {
    source.lines[internal::Sub(i)] = config.subscriptions[i].line;
  }
  return internal::ValidateWithSource(config, source);
}

}  // namespace subkeeper::config
