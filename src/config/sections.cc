// The config schema: which keys each section has and where their values go. Keep the key lists
// in step with config.h.
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "decoder.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::config::internal {
namespace {

// A key that is absent or has an empty value is left at its default.
const Node* Present(const Node& map, std::string_view key) {
  const Node* node = map.Find(key);
  return node != nullptr && node->kind != Node::Kind::kNull ? node : nullptr;
}

}  // namespace

Decoded Decoder::Run(const Node& root) {
  Config& c = out_.config;
  if (root.kind == Node::Kind::kNull) {
    Issue("", root.line, "the file is empty; expected a mapping of settings");
    return std::move(out_);
  }
  if (!Map(root, "",
           {"public_url", "listen", "store", "platform", "webhook_secret", "webhook_secret_file",
            "templates", "accounts", "accounts_file", "subscriptions", "renewal", "server", "relay",
            "metrics", "log"})) {
    return std::move(out_);
  }
  Str(root, "", "public_url", c.public_url);
  while (c.public_url.ends_with('/')) c.public_url.pop_back();
  if (const Node* n = Present(root, "listen")) Listen(*n);
  if (const Node* n = Present(root, "store")) Store(*n);
  // Relative to the config file's directory, as accounts_file is: the same config opens the
  // same database whatever the working directory (also the default "subkeeper.db").
  std::string& sqlite = c.store.sqlite_path;
  if (!sqlite.empty() && sqlite != ":memory:") sqlite = BesideConfig(sqlite);
  c.listen.state_file = BesideConfig(c.listen.state_file);
  if (const Node* n = Present(root, "platform")) Platform(*n);
  SecretValue(root, "", "webhook_secret", c.webhook_secret);
  // Templates before the accounts that use them; the explicit subscriptions before expanding,
  // so that clashes with them can be named.
  if (const Node* n = Present(root, "templates")) Templates(*n);
  if (const Node* n = Present(root, "accounts")) Accounts(*n);
  if (const Node* n = Present(root, "subscriptions")) Subscriptions(*n);
  out_.source.first_expanded_subscription = c.subscriptions.size();
  ExpandAccountTemplates();
  out_.source.first_streamed_account = c.accounts.size();
  if (const Node* n = Present(root, "accounts_file")) AccountsFile(*n);
  if (const Node* n = Present(root, "renewal")) Renewal(*n);
  if (const Node* n = Present(root, "server")) Server(*n);
  if (const Node* n = Present(root, "relay")) Relay(*n);
  if (const Node* n = Present(root, "metrics")) Metrics(*n);
  if (const Node* n = Present(root, "log")) Log(*n);
  return std::move(out_);
}

std::string Decoder::BesideConfig(const std::string& path) const {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(out_.source.file).parent_path() / path).string();
}

void Decoder::Listen(const Node& node) {
  ListenConfig& l = out_.config.listen;
  if (!Map(node, "listen",
           {"webhooks", "admin", "tls", "admin_token", "admin_token_file", "state_file"})) {
    return;
  }
  Str(node, "listen", "webhooks", l.webhooks);
  Str(node, "listen", "admin", l.admin);
  Str(node, "listen", "state_file", l.state_file);
  SecretValue(node, "listen", "admin_token", l.admin_token);
  if (const Node* tls = Present(node, "tls");
      tls != nullptr && Map(*tls, "listen.tls", {"cert", "key"})) {
    Str(*tls, "listen.tls", "cert", l.tls.cert_path);
    Str(*tls, "listen.tls", "key", l.tls.key_path);
  }
}

void Decoder::Metrics(const Node& node) {
  if (!Map(node, "metrics", {"per_subscription"})) return;
  Str(node, "metrics", "per_subscription", out_.config.metrics.per_subscription);
}

void Decoder::Log(const Node& node) {
  Config& c = out_.config;
  if (!Map(node, "log", {"level", "format", "modules"})) return;
  Str(node, "log", "level", c.log_level);
  Str(node, "log", "format", c.log_format);
  const Node* modules = Present(node, "modules");
  // Keep in step with kLogModules.
  if (modules == nullptr ||
      !Map(*modules, "log.modules",
           {"keeper", "renewal", "reconcile", "relay", "platform", "webhook", "store", "server"})) {
    return;
  }
  for (std::string_view module : kLogModules) {
    std::string level;
    Str(*modules, "log.modules", module, level);
    if (!level.empty()) c.log_modules[std::string(module)] = level;
  }
}

void Decoder::Store(const Node& node) {
  if (!Map(node, "store", {"sqlite", "postgres", "postgres_file", "claim_ttl"})) return;
  StoreConfig& store = out_.config.store;
  Str(node, "store", "sqlite", store.sqlite_path);
  Int(node, "store", "claim_ttl", store.claim_ttl_s);
  const Node* named = node.Find("postgres");
  if (named == nullptr) named = node.Find("postgres_file");
  const size_t issues = out_.issues.size();
  SecretValue(node, "store", "postgres", store.postgres);
  if (named == nullptr || out_.issues.size() != issues) return;
  if (!store.UsesPostgres()) {
    Issue("store.postgres", named->line, "must not be empty (a libpq connection string)");
    return;
  }
  if (const Node* sqlite = node.Find("sqlite"); sqlite != nullptr) {
    Issue("store", sqlite->line, "give either store.sqlite or store.postgres, not both");
  }
  store.sqlite_path.clear();  // the default file is not opened beside PostgreSQL
}

void Decoder::Platform(const Node& node) {
  const std::string p = "platform";
  if (!Map(node, p,
           {"server", "client_id", "client_secret", "client_secret_file", "reminder_job_interval",
            "request_timeout_ms"})) {
    return;
  }
  PlatformConfig& pc = out_.config.platform;
  Str(node, p, "server", pc.server);
  while (pc.server.ends_with('/')) pc.server.pop_back();
  Str(node, p, "client_id", pc.client_id);
  SecretValue(node, p, "client_secret", pc.client_secret);
  Int(node, p, "reminder_job_interval", pc.reminder_job_interval_s);
  Int(node, p, "request_timeout_ms", pc.request_timeout_ms);
}

void Decoder::Accounts(const Node& node) {
  if (!Seq(node, "accounts")) return;
  for (size_t i = 0; i < node.seq.size(); ++i) {
    const Node& item = node.seq[i];
    const std::string path = Index("accounts", i);
    AccountConfig account;
    if (Map(item, path,
            {"name", "jwt", "jwt_file", "refresh_token", "refresh_token_file", "templates"})) {
      Str(item, path, "name", account.name);
      SecretValue(item, path, "jwt", account.jwt);
      SecretValue(item, path, "refresh_token", account.refresh_token);
      if (const Node* names = Present(item, "templates")) {
        AccountTemplates(*names, Join(path, "templates"), out_.config.accounts.size());
      }
    }
    out_.config.accounts.push_back(std::move(account));
  }
}

void Decoder::Subscriptions(const Node& node) {
  if (!Seq(node, "subscriptions")) return;
  for (size_t i = 0; i < node.seq.size(); ++i) {
    SubscriptionConfig sub;
    sub.line = node.seq[i].line;
    Subscription(node.seq[i], Index("subscriptions", i), sub);
    out_.config.subscriptions.push_back(std::move(sub));
  }
}

void Decoder::Subscription(const Node& node, const std::string& path, SubscriptionConfig& sub,
                           bool in_template) {
  const bool shape =
      in_template
          ? Map(node, path,
                {"name", "event_filters", "expires_in", "reminder", "deliver_to", "address"})
          : Map(node, path,
                {"name", "account", "event_filters", "expires_in", "reminder", "deliver_to",
                 "address"});
  if (!shape) return;
  Str(node, path, "name", sub.name);
  if (!in_template) Str(node, path, "account", sub.account);
  if (const Node* filters = Present(node, "event_filters")) {
    Filters(*filters, Join(path, "event_filters"), sub.event_filters);
  }
  Int(node, path, "expires_in", sub.expires_in_s);
  Str(node, path, "deliver_to", sub.deliver_to);
  Str(node, path, "address", sub.address);
  Reminder(Present(node, "reminder"), Join(path, "reminder"), sub);
}

void Decoder::AccountTemplates(const Node& node, const std::string& path, size_t account) {
  if (!Seq(node, path)) return;
  std::vector<std::string> names;
  for (size_t i = 0; i < node.seq.size(); ++i) {
    if (auto name = Text(node.seq[i], Index(path, i))) names.push_back(std::move(*name));
  }
  account_templates_.emplace_back(account, std::move(names));
  account_template_uses_.push_back({out_.source.file, node.line, path});
}

void Decoder::Filters(const Node& node, const std::string& path, std::vector<std::string>& out) {
  if (!Seq(node, path)) return;
  for (size_t i = 0; i < node.seq.size(); ++i) {
    if (auto filter = Text(node.seq[i], Index(path, i))) out.push_back(std::move(*filter));
  }
}

// An omitted reminder is derived from the lifetime, an omitted interval from the threshold
// (the same ratios as subscription::DefaultReminder). Direct subscriptions get no default: they
// have no reminder, and one written by the user is left in place for validation to refuse.
void Decoder::Reminder(const Node* node, const std::string& path, SubscriptionConfig& sub) {
  if (node == nullptr) {
    if (!sub.direct()) sub.reminder = subscription::DefaultReminder(sub.expires_in_s);
    return;
  }
  if (!Map(*node, path, {"threshold", "interval"})) return;
  subscription::ReminderSpec spec;
  spec.threshold_s = subscription::DefaultReminder(sub.expires_in_s).threshold_s;
  Int(*node, path, "threshold", spec.threshold_s);
  spec.interval_s = std::min<int64_t>(3600, spec.threshold_s / 4);
  Int(*node, path, "interval", spec.interval_s);
  sub.reminder = spec;
}

void Decoder::Renewal(const Node& node) {
  const std::string p = "renewal";
  if (!Map(node, p,
           {"lease", "min_backoff", "max_backoff", "direct_margin_pct", "reconcile_interval"})) {
    return;
  }
  RenewalConfig& r = out_.config.renewal;
  Int(node, p, "lease", r.lease_s);
  Int(node, p, "min_backoff", r.min_backoff_s);
  Int(node, p, "max_backoff", r.max_backoff_s);
  Int(node, p, "direct_margin_pct", r.direct_margin_pct);
  Int(node, p, "reconcile_interval", r.reconcile_interval_s);
}

void Decoder::Server(const Node& node) {
  const std::string p = "server";
  if (!Map(node, p,
           {"threads", "read_timeout_ms", "keep_alive", "max_body_bytes", "commit_budget_ms"})) {
    return;
  }
  ServerConfig& s = out_.config.server;
  SmallInt(node, p, "threads", s.threads);
  Int(node, p, "read_timeout_ms", s.read_timeout_ms);
  Int(node, p, "keep_alive", s.keep_alive_s);
  Int(node, p, "max_body_bytes", s.max_body_bytes);
  Int(node, p, "commit_budget_ms", s.commit_budget_ms);
}

void Decoder::Relay(const Node& node) {
  const std::string p = "relay";
  if (!Map(node, p,
           {"signing_secret", "signing_secret_file", "timeout_ms", "concurrency", "min_backoff",
            "max_backoff", "max_age", "max_client_error_attempts", "retention", "dead_retention",
            "failure_events_after"})) {
    return;
  }
  RelayConfig& r = out_.config.relay;
  SigningSecrets(node, r.signing_secrets);
  Int(node, p, "timeout_ms", r.timeout_ms);
  SmallInt(node, p, "concurrency", r.concurrency);
  Int(node, p, "min_backoff", r.min_backoff_s);
  Int(node, p, "max_backoff", r.max_backoff_s);
  Int(node, p, "max_age", r.max_age_s);
  SmallInt(node, p, "max_client_error_attempts", r.max_client_error_attempts);
  Int(node, p, "retention", r.retention_s);
  Int(node, p, "dead_retention", r.dead_retention_s);
  SmallInt(node, p, "failure_events_after", r.failure_events_after);
}

// `relay.signing_secret` (a string, or a list of 1..kMaxSigningSecrets strings, each with its own
// ${VAR}) or `relay.signing_secret_file` (secrets separated by whitespace). Whether each is a
// valid Standard Webhooks secret is a value rule (validate.cc).
void Decoder::SigningSecrets(const Node& node, std::vector<Secret>& out) {
  const std::string path = "relay.signing_secret";
  const Node* inline_node = node.Find("signing_secret");
  if (inline_node == nullptr || inline_node->kind != Node::Kind::kSeq) {
    Secret single;
    SecretValue(node, "relay", "signing_secret", single);
    if (inline_node != nullptr || single.empty()) {
      if (!single.empty()) out.push_back(std::move(single));
      return;
    }
    // From the file: one or more secrets separated by spaces or newlines.
    std::istringstream words(single.Reveal());
    for (std::string word; words >> word;) out.emplace_back(std::move(word));
    return;
  }
  if (node.Find("signing_secret_file") != nullptr) {
    Issue(path, inline_node->line, "give either signing_secret or signing_secret_file, not both");
    return;
  }
  Note(path, *inline_node);
  if (inline_node->seq.empty() || inline_node->seq.size() > kMaxSigningSecrets) {
    Issue(path, inline_node->line,
          "must be a string or a list of 1 to " + std::to_string(kMaxSigningSecrets) +
              " strings (got " + std::to_string(inline_node->seq.size()) + ")");
    return;
  }
  for (size_t i = 0; i < inline_node->seq.size(); ++i) {
    if (auto text = Text(inline_node->seq[i], Index(path, i))) out.emplace_back(std::move(*text));
  }
}

Decoded Decode(const Node& root, const std::string& file, const LoadOptions& options) {
  return Decoder(file, options).Run(root);
}

}  // namespace subkeeper::config::internal
