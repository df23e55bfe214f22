// The validated configuration: what the operator declared. Every field documents its unit and
// default. Secrets are `Secret`s and never printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/secret.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::config {

struct AccountConfig {
  std::string name;  // [A-Za-z0-9_-]{1,64}; part of the delivery address
  // At least one of the two. `jwt`, `jwt_file` or `${VAR}`: the JWT bearer credential.
  Secret jwt;
  // `refresh_token`, `refresh_token_file` or `${VAR}`: a refresh token to start from (for apps
  // that authorise users interactively); used once, then the keeper keeps its successors.
  Secret refresh_token;
};

struct SubscriptionConfig {
  std::string name;     // [A-Za-z0-9_-]{1,64}; unique per account; part of the delivery address
  std::string account;  // must name an account
  // The user's filters, without the reminder filter (which subkeeper adds in relay mode).
  std::vector<std::string> event_filters;
  int64_t expires_in_s = 604800;  // requested lifetime, seconds, 1..315360000 (default 7 days)
  // Relay mode only. Defaulted when omitted: threshold = min(86400, expires_in/4),
  // interval = min(3600, threshold/4) (see subscription::DefaultReminder).
  subscription::ReminderSpec reminder;
  // Relay mode: the app's URL that receives relayed events (http/https). May be empty, in which
  // case events are stored but not relayed.
  std::string deliver_to;
  // Direct mode when non-empty: the platform delivers straight to this URL (http/https), no
  // reminder filter is added and renewal is timer-only.
  std::string address;
  int line = 0;  // line of this entry in the source file (0 for JSON), for messages

  bool direct() const { return !address.empty(); }
};

// TLS on the webhook listener, for deployments without a TLS-terminating proxy. Both paths or
// neither; TLS 1.2 is the minimum version accepted.
struct TlsConfig {
  std::string cert_path;  // PEM certificate chain, leaf first (`listen.tls.cert`)
  std::string key_path;   // PEM private key (`listen.tls.key`)
  bool enabled() const { return !cert_path.empty() || !key_path.empty(); }
};

struct ListenConfig {
  std::string webhooks = "0.0.0.0:8080";  // host:port of the public webhook listener; port 0 = any
  std::string admin = "127.0.0.1:9090";   // host:port of the admin listener; port 0 = any
  TlsConfig tls;                          // webhook listener only
  // When set, every admin endpoint but /healthz and /readyz requires "Authorization: Bearer
  // <token>" (`admin_token`, `admin_token_file` or `${VAR}`).
  Secret admin_token;
  // The run-state file: once both listeners are bound the daemon writes the bound ports, the
  // admin URL and its pid there as JSON (mode 0600, replaced atomically) and removes it when it
  // stops. One-shot commands read the admin port from it when `admin` asks for port 0. A
  // relative path is resolved against the config file's directory. Empty = not written.
  std::string state_file;
};

// Exactly one store: the embedded SQLite file (the default) or a PostgreSQL database several
// replicas share (docs/postgresql-store.md). A config naming both is refused.
struct StoreConfig {
  // Created with mode 0600. A relative path is resolved against the config file's directory
  // when the config is loaded; ":memory:" (tests) is kept. "" when `postgres` is set.
  std::string sqlite_path = "subkeeper.db";
  // A libpq connection string (https://www.postgresql.org/docs/15/libpq-connect.html), from
  // `store.postgres` (with ${VAR}) or `store.postgres_file`. A secret: it may hold a password.
  Secret postgres;
  // With `postgres`: how long a keeper's claim on an account lasts unless extended, seconds
  // (`store.claim_ttl`). A keeper that dies is replaced for its accounts within about this
  // long; platform.request_timeout_ms must be at most half of it.
  int64_t claim_ttl_s = 30;

  bool UsesPostgres() const { return !postgres.empty(); }
};

struct PlatformConfig {
  std::string server = "https://platform.ringcentral.com";  // base URL, http or https
  std::string client_id;                                    // required
  Secret client_secret;                                     // required (`client_secret_file`)
  // The platform's reminder job period, seconds. Undocumented upstream; threshold and interval
  // must both be at least this. Default 5 (the smallest interval seen accepted in public).
  int64_t reminder_job_interval_s = 5;
  int64_t request_timeout_ms = 10000;  // per HTTP call to the platform, connect + transfer
};

struct RenewalConfig {
  int64_t lease_s = 60;         // how long a renewal lease is held before it is considered lost
  int64_t min_backoff_s = 2;    // first retry delay after a failed renewal
  int64_t max_backoff_s = 300;  // cap of the exponential backoff
  // Relay mode: the fallback timer fires at expiry - threshold/2, leaving reminders the first half
  // of their window. Direct mode: at expiry - direct_margin_pct% of the granted lifetime.
  int64_t direct_margin_pct = 25;
  // Seconds between periodic reconciles (one list call per account), jittered by ±10 %.
  int64_t reconcile_interval_s = 900;
};

struct ServerConfig {
  int threads = 32;                 // webhook worker threads (more than expected idle connections)
  int64_t read_timeout_ms = 2000;   // per-read timeout on webhook connections
  int64_t keep_alive_s = 1;         // idle keep-alive timeout
  int64_t max_body_bytes = 262144;  // notification body limit (413 above it)
  int64_t commit_budget_ms = 2000;  // a notification not committed by then is answered 503
};

// How many signing secrets relay.signing_secret may list (one per key being rotated in or out).
inline constexpr size_t kMaxSigningSecrets = 8;

// Delivery of committed events to each subscription's deliver_to (see relay/relay.h).
struct RelayConfig {
  // The keys of webhook-signature (https://www.standardwebhooks.com): each a Standard Webhooks
  // secret, "whsec_" + base64 of 24..64 bytes (see relay/signature.h). Every relayed request
  // carries one signature per secret, in this order, so the app's key can be rotated: list the
  // new secret next to the old one, switch the app, then drop the old. `signing_secret` (a
  // string or a list of 1..kMaxSigningSecrets strings, ${VAR} per item) or
  // `signing_secret_file` (secrets separated by whitespace). Required when any subscription
  // relays (has deliver_to).
  std::vector<Secret> signing_secrets;
  int64_t timeout_ms = 10000;   // per delivery request
  int concurrency = 4;          // subscriptions delivered at the same time, 1..64
  int64_t min_backoff_s = 1;    // first retry delay
  int64_t max_backoff_s = 600;  // retry delay cap
  int64_t max_age_s = 86400;    // after this since receipt a failing event is dead-lettered
  // An event the app refuses with a 4xx other than 408/429 is dead-lettered after this many
  // attempts (subscription.delivery_dead_lettered tells the app), 1..100.
  int32_t max_client_error_attempts = 3;
  int64_t retention_s = 604800;        // delivered events kept this long (for replay), then pruned
  int64_t dead_retention_s = 2592000;  // dead events kept this long
  // A "subscription.renewal_failing" lifecycle event is sent when this many renewal attempts in
  // a row have failed (once per streak); 0 = never.
  int32_t failure_events_after = 3;
};

// What GET /metrics exports (see app/metrics.h).
struct MetricsConfig {
  // Per-subscription and per-account series: "auto" = while the keeper holds at most
  // kPerSubscriptionAutoLimit subscriptions, "always", "never". Aggregates are always exported.
  std::string per_subscription = "auto";
};

// metrics.per_subscription "auto" exports per-subscription series up to this many subscriptions.
inline constexpr size_t kPerSubscriptionAutoLimit = 1000;

struct Config {
  std::string source_path;  // the file this was loaded from
  // Base URL RingCentral reaches, no trailing slash. Empty = "http://<webhooks listen address>"
  // with the actually bound port (for local use and tests).
  std::string public_url;
  ListenConfig listen;
  StoreConfig store;
  PlatformConfig platform;
  Secret webhook_secret;  // required; derives verification tokens
  // `accounts[]` in file order, then the accounts of `accounts_file` in its line order.
  std::vector<AccountConfig> accounts;
  // `subscriptions[]` in file order, then each account's template subscriptions (accounts[]
  // first, then accounts_file), already expanded: consumers never see templates.
  std::vector<SubscriptionConfig> subscriptions;
  // The JSON Lines accounts file (`accounts_file`), resolved against the config file's
  // directory; empty when there is none. The daemon watches it for changes.
  std::string accounts_file;
  RenewalConfig renewal;
  ServerConfig server;
  RelayConfig relay;
  MetricsConfig metrics;
  // trace|debug|info|warning|error (records say "warning"; "warn" is accepted as an alias)
  std::string log_level = "info";
  std::string log_format = "text";  // text (human) | json (one JSON object per line)
  // Per-module levels overriding log_level, module -> level; modules are kLogModules.
  std::map<std::string, std::string> log_modules;
};

// The modules whose level `log.modules` can set, one logger each.
inline constexpr std::string_view kLogModules[] = {"keeper",   "renewal", "reconcile", "relay",
                                                   "platform", "webhook", "store",     "server"};

}  // namespace subkeeper::config
