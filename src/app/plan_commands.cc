// `subkeeper plan` and `subkeeper apply`: one reconcile pass, shown or carried out.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "subkeeper/app/commands.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/http/curl_transport.h"
#include "subkeeper/platform/rest_client.h"
#include "subkeeper/reconcile/executor.h"
#include "subkeeper/reconcile/reconcile.h"
#include "subkeeper/store/sqlite_store.h"
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

// The store, the platform client and the renewal service, as the daemon builds them.
struct Stack {
  SystemClock clock;
  std::unique_ptr<http::HttpTransport> transport = http::NewCurlTransport();
  std::unique_ptr<store::Store> store;
  bool first_run = false;  // plan: there was no database; `store` is an empty one in memory
  std::unique_ptr<ReadOnlyAccountState> read_only_state;  // plan: saves nothing
  std::unique_ptr<platform::RestClient> api;
  std::unique_ptr<renewal::RenewalService> renewal;
  std::string public_url;
};

// `writable`: apply's store, created when missing. Otherwise plan's: the existing database
// read-only, or, when there is none, an empty in-memory one (a first run, as terraform plans
// without state), so that planning never creates a file.
Result<std::unique_ptr<Stack>> OpenStack(const config::Config& config, bool writable) {
  auto stack = std::make_unique<Stack>();
  const std::string& path = config.store.sqlite_path;
  auto opened = store::OpenSqliteStore(
      path, stack->clock, writable ? store::OpenMode::kReadWrite : store::OpenMode::kReadOnly);
  if (!writable && opened.status().code() == StatusCode::kNotFound) {
    stack->first_run = true;
    opened = store::OpenSqliteStore(":memory:", stack->clock);
  }
  if (!opened.ok()) return opened.status();
  stack->store = std::move(opened).value();
  // The daemon's tokens and penalties: a one-shot command neither logs in again nor walks
  // into a penalty the daemon was given.
  platform::AccountStateStore* account_state = stack->store.get();
  if (!writable) {
    stack->read_only_state = std::make_unique<ReadOnlyAccountState>(*stack->store);
    account_state = stack->read_only_state.get();
  }
  stack->api = MakePlatformClient(config, *stack->transport, stack->clock, account_state);
  const auto options = MakeServiceOptions(config, "subkeeper-apply");
  stack->renewal = std::make_unique<renewal::RenewalService>(
      *stack->store, *stack->api, stack->clock, options, [] { return 0.5; });
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
  auto planned = reconcile::PlanReconcile(config, s.public_url, *s.store, *s.api, s.clock.Now());
  if (!planned.ok()) {
    std::fprintf(stderr, "subkeeper plan: %s\n", planned.status().ToString().c_str());
    return 1;
  }
  const std::string note = "no database at " + config.store.sqlite_path +
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
  auto planned = reconcile::PlanReconcile(config, s.public_url, *s.store, *s.api, s.clock.Now());
  if (!planned.ok()) {
    std::fprintf(stderr, "subkeeper apply: %s\n", planned.status().ToString().c_str());
    return 1;
  }
  const auto& plan = planned->plan;
  if (!as_json) std::printf("%s\n", reconcile::FormatPlan(plan).c_str());
  reconcile::Executor executor(*s.store, *s.api, *s.renewal, s.clock);
  auto applied = executor.Apply(*planned);
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
