// `subkeeper plan` and `subkeeper apply`: one reconcile pass, shown or carried out.
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "compose.h"
#include "subkeeper/app/account_claims.h"
#include "subkeeper/app/commands.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/reconcile/executor.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/store/sqlite_store.h"
#include "system_env.h"
#include "wiring.h"

namespace subkeeper::app {
namespace {

using nlohmann::json;

// The daemon's tokens and penalties, read from the store; what a plan learns (a new token, a
// penalty) is kept for this process only, since planning never writes the store.
class ReadOnlyAccountState final : public platform::AccountStateStore {
 public:
  explicit ReadOnlyAccountState(platform::AccountStateStore& stored) : stored_(stored) {}
  Result<std::vector<platform::AccountSnapshot>> LoadAccounts() override {
    return stored_.LoadAccounts();
  }
  Status SaveAccount(const platform::AccountSnapshot&) override { return Status::OK(); }
  Result<std::vector<platform::RateBlock>> LoadRateBlocks(WallTime now) override {
    return stored_.LoadRateBlocks(now);
  }
  Status SaveRateBlock(const platform::RateBlock&) override { return Status::OK(); }

 private:
  platform::AccountStateStore& stored_;
};

// The store, the platform client, the renewal service and the executor, from the same
// composition root as the daemon's (MakeRuntime) over the production environment.
struct Stack {
  SystemEnv system;
  Components parts;
  // apply on PostgreSQL: the claims it took for the configured accounts, and its fenced tokens
  // (declared after `parts`: destroyed before the runtime that uses them).
  std::unique_ptr<AccountClaims> claims;
  std::unique_ptr<FencedAccountState> fenced;
  // Claims are given back however the command ends: the keepers take the accounts at their next
  // poll instead of after the TTL.
  ~Stack() {
    if (claims) claims->ReleaseAll();
  }
  bool first_run = false;  // plan: there was no database; the store is an empty one in memory
  std::string public_url;
  WallTime Now() const { return system.env().clock->Now(); }
};

// Plan's parts: the existing database read-only, or, when there is none, an empty in-memory
// one (a first run, as terraform plans without state), so that planning never creates a file;
// the daemon's tokens and penalties read from it but never written.
Status OpenForPlan(const KeeperEnv& env, const config::Config& config, Stack& stack) {
  auto opened = env.open_store(config.store, store::OpenMode::kReadOnly);
  if (opened.status().code() == StatusCode::kNotFound) {
    stack.first_run = true;
    config::StoreConfig scratch;
    scratch.sqlite_path = ":memory:";
    opened = env.open_store(scratch, store::OpenMode::kReadWrite);
  }
  if (!opened.ok()) return opened.status();
  stack.parts.store = std::move(opened).value();
  stack.parts.account_state = std::make_unique<ReadOnlyAccountState>(*stack.parts.store);
  stack.parts.runtime =
      MakeRuntime(env, config, *stack.parts.store, stack.parts.account_state.get());
  return Status::OK();
}

// apply on a database other keepers may share: claims every configured account for this process,
// as a keeper would, and builds the runtime over the claims (every platform call gated, tokens
// fenced). Refuses, naming the holders, when a running keeper holds an account: that keeper
// applies the config itself when it reloads.
Status ClaimForApply(const KeeperEnv& env, const config::Config& config, Stack& stack) {
  store::Store& store = *stack.parts.store;
  stack.claims = std::make_unique<AccountClaims>(store, *env.clock, env.lease_owner,
                                                 ClaimOptions{Seconds(config.store.claim_ttl_s)});
  std::set<std::string> wanted;
  for (const auto& account : config.accounts) wanted.insert(account.name);
  stack.claims->Maintain(wanted);
  std::string held_elsewhere;
  for (const auto& account : wanted) {
    if (stack.claims->Holds(account)) continue;
    held_elsewhere += (held_elsewhere.empty() ? "" : ", ") + account;
  }
  if (!held_elsewhere.empty()) {
    stack.claims->ReleaseAll();
    return Status::FailedPrecondition(
        "running keepers hold the claims of account(s) " + held_elsewhere +
        ": they apply the config when they reload it (SIGHUP, or the file watch)");
  }
  stack.fenced = std::make_unique<FencedAccountState>(store, *stack.claims);
  stack.parts.runtime = MakeRuntime(env, config, store, stack.fenced.get(), stack.claims.get());
  return Status::OK();
}

// `writable`: apply's parts, as the daemon's (the store created when missing, the daemon's tokens
// and penalties shared: a one-shot command neither logs in again nor walks into a penalty the
// daemon was given). Otherwise plan's (OpenForPlan).
Result<std::unique_ptr<Stack>> OpenStack(const config::Config& config, bool writable) {
  auto stack = std::make_unique<Stack>();
  // Its own identity for claims: no running keeper, nor another apply, shares it.
  stack->system.Override("subkeeper-apply@" + std::to_string(getpid()), [] { return 0.5; });
  const KeeperEnv& env = stack->system.env();
  if (writable) {
    SK_ASSIGN_OR_RETURN(stack->parts, MakeComponents(env, config));
    if (config.store.UsesPostgres()) SK_RETURN_IF_ERROR(ClaimForApply(env, config, *stack));
  } else {
    SK_RETURN_IF_ERROR(OpenForPlan(env, config, *stack));
  }
  // The daemon derives an empty public_url from its bound port; offline, the configured one is it.
  auto listen = config::ParseListenAddress(config.listen.webhooks);
  stack->public_url = reconcile::EffectivePublicUrl(config, listen ? listen->port : 0);
  return stack;
}

void PrintJson(const json& doc) {
  // Names and filters come from user files: replace bad UTF-8 rather than let dump() throw.
  std::printf("%s\n", doc.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

void PrintListErrors(const char* command, const std::vector<std::string>& errors) {
  for (const auto& error : errors) {
    std::fprintf(stderr, "subkeeper %s: list failed: %s\n", command, error.c_str());
  }
}

}  // namespace

int PlanCommand(const config::Config& config, const PlanOptions& options) {
  auto stack = OpenStack(config, /*writable=*/false);
  if (!stack.ok()) {
    std::fprintf(stderr, "subkeeper plan: %s\n", stack.status().ToString().c_str());
    return 1;
  }
  auto& s = **stack;
  auto planned = reconcile::PlanReconcile(config, s.public_url, *s.parts.store,
                                          *s.parts.runtime->api, s.Now());
  if (!planned.ok()) {
    std::fprintf(stderr, "subkeeper plan: %s\n", planned.status().ToString().c_str());
    return 1;
  }
  const std::string note =
      (config.store.UsesPostgres() ? std::string("no subkeeper schema in the PostgreSQL database")
                                   : "no database at " + config.store.sqlite_path) +
      " yet: planned as a first run, with nothing known";
  if (options.json) {
    json doc = reconcile::PlanDocument(planned->plan);
    doc["errors"] = planned->list_errors;
    doc["first_run"] = s.first_run;
    PrintJson(doc);
  } else {
    if (s.first_run) std::printf("Note: %s.\n", note.c_str());
    std::printf("%s\n", reconcile::FormatPlan(planned->plan).c_str());
  }
  PrintListErrors("plan", planned->list_errors);
  // Incomplete (an account not observed) is an error, as a refresh failure is for terraform.
  if (!planned->list_errors.empty() || !planned->plan.unavailable_accounts.empty()) return 1;
  // https://developer.hashicorp.com/terraform/cli/commands/plan#detailed-exitcode
  return options.detailed_exitcode && planned->plan.has_changes() ? 2 : 0;
}

int ApplyCommand(const config::Config& config, bool as_json) {
  auto stack = OpenStack(config, /*writable=*/true);
  if (!stack.ok()) {
    std::fprintf(stderr, "subkeeper apply: %s\n", stack.status().ToString().c_str());
    return 1;
  }
  auto& s = **stack;
  auto planned = reconcile::PlanReconcile(config, s.public_url, *s.parts.store,
                                          *s.parts.runtime->api, s.Now());
  if (!planned.ok()) {
    std::fprintf(stderr, "subkeeper apply: %s\n", planned.status().ToString().c_str());
    return 1;
  }
  const auto& plan = planned->plan;
  if (!as_json) std::printf("%s\n", reconcile::FormatPlan(plan).c_str());
  auto applied = s.parts.runtime->executor->Apply(*planned);
  if (!applied.ok()) {
    std::fprintf(stderr, "subkeeper apply: %s\n", applied.status().ToString().c_str());
    return 1;
  }
  if (as_json) {
    PrintJson({{"plan", reconcile::PlanDocument(plan)},
               {"applied", applied->applied},
               {"actions", plan.actions.size()},
               {"failed", applied->errors},
               {"skipped", applied->skipped},
               {"errors", planned->list_errors}});
  } else if (plan.has_changes()) {
    std::printf("Applied %d of %zu action(s).\n", applied->applied, plan.actions.size());
  }
  for (const auto& error : applied->errors) {
    std::fprintf(stderr, "subkeeper apply: failed: %s\n", error.c_str());
  }
  for (const auto& skip : applied->skipped) {
    std::fprintf(stderr, "subkeeper apply: not applied (changed meanwhile): %s\n", skip.c_str());
  }
  PrintListErrors("apply", planned->list_errors);
  return applied->complete() && planned->list_errors.empty() ? 0 : 1;
}

}  // namespace subkeeper::app
