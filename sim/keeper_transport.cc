#include "keeper_transport.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "subkeeper/common/time_format.h"

namespace subkeeper::sim {
namespace {

constexpr const char* kSubscriptions = "/restapi/v1.0/subscription";

bool Mutates(const std::string& kind) {
  return kind == "create" || kind == "renew" || kind == "update" || kind == "delete";
}

http::HttpResponse TokenOutageAnswer() {
  http::HttpResponse response;
  response.status = 503;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body =
      R"({"errorCode":"ServiceUnavailable","message":"Service Temporary Unavailable",)"
      R"("errors":[{"errorCode":"CMN-211","message":"Service Temporary Unavailable"}]})";
  return response;
}

// The subscription id in ".../subscription/{id}[/renew]", "" for none.
std::string SubscriptionId(const std::string& path) {
  const std::string prefix = std::string(kSubscriptions) + "/";
  if (!path.starts_with(prefix)) return "";
  std::string rest = path.substr(prefix.size());
  return rest.substr(0, rest.find('/'));
}

}  // namespace

std::string CallKind(const std::string& method, const std::string& path) {
  if (path == "/restapi/oauth/token") return "token";
  if (path == kSubscriptions)
    return method == "GET" ? "list" : method == "POST" ? "create" : "other";
  if (!path.starts_with(std::string(kSubscriptions) + "/")) return "other";
  if (path.ends_with("/renew")) return method == "POST" ? "renew" : "other";
  if (method == "GET") return "get";
  if (method == "PUT") return "update";
  if (method == "DELETE") return "delete";
  return "other";
}

KeeperTransport::KeeperTransport(std::string server, PlatformFarm& farm, ManualClock& clock,
                                 std::mt19937_64& engine, const ActiveFaults& faults,
                                 double hit_probability, Metrics& metrics)
    : server_(std::move(server)),
      farm_(farm),
      clock_(clock),
      engine_(engine),
      faults_(faults),
      hit_probability_(hit_probability),
      metrics_(metrics) {}

bool KeeperTransport::Hit() {
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_) < hit_probability_;
}

Result<http::HttpResponse> KeeperTransport::Send(const http::HttpRequest& request) {
  if (!request.url.starts_with(server_))
    return Status::Unavailable("simulation: no such host: " + request.url);
  rcemu::Request forwarded{request.method, request.url.substr(server_.size()), request.headers,
                           request.body};
  const std::string path = forwarded.target.substr(0, forwarded.target.find('?'));
  Seen seen{CallKind(request.method, path), 0, SubscriptionId(path)};
  ++metrics_.calls[seen.kind];
  if (seen.kind == "list" && reconciling_) ++metrics_.calls["reconcile_list"];
  const WallTime now = clock_.Now();
  if (seen.kind == "token" && now < faults_.until_token_down) {
    ++metrics_.faults["token_outage_503"];
    return TokenOutageAnswer();
  }
  seen.shard = farm_.Route(forwarded);
  if (now < faults_.until_timeout && Hit()) {
    // Both cases must occur: the platform acted and the answer was lost, or it never arrived.
    const bool processed = std::bernoulli_distribution(0.5)(engine_);
    ++metrics_.faults[processed ? "timeout_after_processing" : "timeout_before_arrival"];
    if (processed) (void)Forward(seen, forwarded, false);
    clock_.Advance(request.timeout);
    return Status::DeadlineExceeded("simulated timeout");
  }
  MaybeEmulatorFault(seen.shard, now);
  rcemu::Response answer = Forward(seen, forwarded, true);
  if (answer.delay.count() > 0) clock_.Advance(answer.delay);
  if (answer.drop) return Status::Unavailable("simulated dropped connection");
  return http::HttpResponse{answer.status, std::move(answer.headers), std::move(answer.body)};
}

void KeeperTransport::MaybeEmulatorFault(size_t shard, WallTime now) {
  if (now < faults_.until_5xx && Hit()) {
    static constexpr int kStatuses[] = {500, 502, 503, 504};
    rcemu::Fault fault;
    fault.kind = rcemu::FaultKind::kStatus;
    fault.status = kStatuses[std::uniform_int_distribution<int>(0, 3)(engine_)];
    farm_.at(shard).AddFault(fault);
    ++metrics_.faults["5xx"];
  } else if (now < faults_.until_429 && Hit()) {
    rcemu::Fault fault;
    fault.kind = rcemu::FaultKind::kRateLimit;
    fault.retry_after = Seconds(std::uniform_int_distribution<int>(1, 120)(engine_));
    farm_.at(shard).AddFault(fault);
    ++metrics_.faults["429"];
  }
}

rcemu::Response KeeperTransport::Forward(const Seen& seen, const rcemu::Request& request,
                                         bool answered) {
  const WallTime now = clock_.Now();
  std::optional<Millis> left;
  if (!seen.id.empty() && seen.shard < farm_.size()) {
    if (auto sub = farm_.Find(seen.shard, seen.id)) {
      left = std::chrono::duration_cast<Millis>(sub->expiration_time - now);
      if (left->count() <= 0) ++metrics_.expired_on_touch;
    }
  }
  Live live_before;
  if (seen.kind == "create" && seen.shard < farm_.size())
    live_before = LiveSubscriptions(seen.shard, now);
  rcemu::Response answer = farm_.Handle(seen.shard, request, now);
  rcemu::Platform& platform = farm_.at(seen.shard);
  for (const rcemu::CallRecord& call : platform.Calls()) {
    if (call.in_penalty) ++metrics_.requests_in_penalty;
  }
  platform.ClearCalls();
  const bool ok = !answer.drop && answer.status >= 200 && answer.status < 300;
  if (ok && (seen.kind == "renew" || seen.kind == "update")) {
    if (answered) ++metrics_.renewals;
    if (left && (!metrics_.min_slack || *left < *metrics_.min_slack)) metrics_.min_slack = left;
  }
  if (ok && seen.kind == "create") {
    if (answered) ++metrics_.creates;
    AfterCreate(seen.shard, live_before, answer);
  }
  if (ok && seen.kind == "delete") {
    std::erase_if(suspects_,
                  [&](const Suspect& s) { return s.shard == seen.shard && s.old_id == seen.id; });
  }
  if (Mutates(seen.kind) && seen.shard < farm_.size()) farm_.Touch(seen.shard, now);
  return answer;
}

KeeperTransport::Live KeeperTransport::LiveSubscriptions(size_t shard, WallTime now) const {
  Live live;
  for (const auto& sub : farm_.at(shard).Subscriptions()) {
    if (sub.expiration_time > now) live.emplace_back(sub.id, sub.address);
  }
  return live;
}

void KeeperTransport::AfterCreate(size_t shard, const Live& live_before,
                                  const rcemu::Response& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("deliveryMode")) return;
  const std::string address = body["deliveryMode"].value("address", "");
  const std::string new_id = body.value("id", "");
  for (const auto& [id, live_address] : live_before) {
    if (live_address == address)
      suspects_.push_back(Suspect{shard, id, new_id, address, clock_.Now()});
  }
}

void KeeperTransport::SettleDuplicates() {
  const WallTime now = clock_.Now();
  for (const Suspect& suspect : suspects_) {
    auto old = farm_.Find(suspect.shard, suspect.old_id);
    if (old && old->expiration_time > now) {
      ++metrics_.duplicate_creates;
      // Enough to find the keeper's side in its history: shard, both ids, the address, when.
      spdlog::warn("duplicate create: shard {} at {}: {} created while {} (status {}) lived at {}",
                   suspect.shard, FormatIso8601(suspect.at), suspect.new_id, suspect.old_id,
                   old->status, suspect.address);
    }
  }
  suspects_.clear();
}

}  // namespace subkeeper::sim
