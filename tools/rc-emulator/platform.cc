// The API pipeline of rcemu::Platform: route, injected faults, authentication, rate limits,
// dispatch, then rate-limit headers and the call log. Handlers live in oauth.cc,
// subscriptions.cc; outbound requests in deliveries.cc; the control API in control.cc.
#include "rcemu/platform.h"

#include "platform_impl.h"
#include "subkeeper/common/crypto.h"

namespace rcemu {

using internal::CallContext;
using internal::Op;
using internal::PendingCreate;
using internal::Route;
using internal::User;

namespace internal {

Route ClassifyRoute(const std::string& method, const std::string& path) {
  static const std::string kSub = "/restapi/v1.0/subscription";
  Route route;
  route.path = path;
  if (path == "/restapi/oauth/token" || path == "/restapi/oauth/revoke") {
    route.group = RateGroup::kAuth;
    if (method == "POST") route.op = path.ends_with("token") ? Op::kToken : Op::kRevoke;
    return route;
  }
  if (path == kSub) {
    route.op = method == "GET" ? Op::kList : method == "POST" ? Op::kCreate : Op::kUnknown;
    route.group = route.op == Op::kCreate ? RateGroup::kMedium : RateGroup::kLight;
    return route;
  }
  if (!path.starts_with(kSub + "/")) return route;
  std::string rest = path.substr(kSub.size() + 1);
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    if (rest.substr(slash) == "/renew" && method == "POST" && slash > 0) {
      route.op = Op::kRenew;
      route.subscription_id = rest.substr(0, slash);
    }
    return route;
  }
  if (rest.empty()) return route;
  route.subscription_id = rest;
  if (method == "GET") route.op = Op::kGet;
  if (method == "PUT") route.op = Op::kUpdate;
  if (method == "DELETE") route.op = Op::kDelete;
  const bool medium = route.op == Op::kUpdate || route.op == Op::kDelete;
  route.group = medium ? RateGroup::kMedium : RateGroup::kLight;
  return route;
}

}  // namespace internal

namespace {

// The body an injected status fault answers with. 503 looks like the platform's gateway answer.
Response FaultStatusResponse(int status, Seconds retry_after) {
  if (status == 503) {
    return internal::ApiError(503, "CMN-211", "Service Temporary Unavailable", "",
                              "ServiceUnavailable");
  }
  if (status == 404) return internal::SubscriptionNotFound();
  if (status == 401) return internal::ApiError(401, "OAU-128", "Access token expired");
  if (status == 429) {
    Response resp = internal::ApiError(429, "CMN-301", "Request rate exceeded");
    resp.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
    return resp;
  }
  const std::string code = status >= 500 ? "CMN-201" : "CMN-101";
  return internal::ApiError(status, code, internal::ReasonPhrase(status));
}

bool FaultMatches(const Fault& fault, const std::string& method, const std::string& path) {
  return (fault.method.empty() || fault.method == method) && path.starts_with(fault.path_prefix);
}

std::string BaseUrl(const Request& request, const std::string& fallback) {
  const std::string* host = request.headers.Find("Host");
  return host != nullptr && !host->empty() ? "http://" + *host : fallback;
}

}  // namespace

Platform::Impl::Impl(Options opts, subkeeper::http::HttpTransport& http,
                     const subkeeper::Clock& clk)
    : transport(http),
      clock(clk),
      options(std::move(opts)),
      ids(options.seed),
      limiter(options.rate_limits, options.penalty),
      app_sink(options.app_secret) {}

std::optional<Response> Platform::Impl::ApplyFault(const Request& req, CallContext& ctx,
                                                   WallTime now) {
  auto it = faults.begin();
  while (it != faults.end() && !FaultMatches(*it, req.method, ctx.route.path)) ++it;
  if (it == faults.end()) return std::nullopt;
  const Fault fault = *it;
  if (--it->count <= 0) faults.erase(it);
  const Seconds retry_after = fault.retry_after.value_or(options.penalty);
  switch (fault.kind) {
    case FaultKind::kLatency:
      ctx.delay += fault.latency;
      return std::nullopt;
    case FaultKind::kDrop: {
      Response resp;
      resp.drop = true;
      resp.status = 0;
      return resp;
    }
    case FaultKind::kStatus: {
      Response resp = FaultStatusResponse(fault.status, retry_after);
      if (fault.echo_request) {
        const std::string* auth = req.headers.Find("Authorization");
        const std::string echo =
            "rejected request: Authorization: " + (auth != nullptr ? *auth : std::string()) +
            "; body: " + req.body;
        nlohmann::json body = nlohmann::json::parse(resp.body);
        body["message"] = echo;
        body["errors"][0]["message"] = echo;
        resp.body = body.dump();
      }
      return resp;
    }
    case FaultKind::kRateLimit:
      break;
  }
  // A rate-limit fault starts a real penalty for the caller, so requests that do not wait for
  // Retry-After are trapped exactly like after a genuine 429.
  std::optional<User> user;
  if (ctx.route.group == RateGroup::kAuth) {
    user = TokenCallUser(req);
  } else {
    User found;
    if (!Authenticate(req, now, &found)) user = found;
  }
  if (user) {
    ctx.user = user->extension_id;
    limiter.StartPenalty(ctx.user, ctx.route.group, now, retry_after);
  }
  return FaultStatusResponse(429, retry_after);
}

std::optional<Response> Platform::Impl::Admit(CallContext& ctx, WallTime now) {
  const Admission admission = limiter.Admit(ctx.user, ctx.route.group, now);
  ctx.admission = admission;
  ctx.in_penalty = admission.in_penalty;
  if (admission.allowed) return std::nullopt;
  Response resp = internal::ApiError(429, "CMN-301", "Request rate exceeded");
  resp.headers.emplace_back("Retry-After", std::to_string(limiter.penalty().count()));
  return resp;
}

Response Platform::Impl::Begin(const Request& req, CallContext& ctx, WallTime now,
                               std::optional<PendingCreate>* pending) {
  if (auto faulted = ApplyFault(req, ctx, now)) return *faulted;
  if (ctx.route.op == Op::kToken || ctx.route.op == Op::kRevoke) {
    // For the token endpoint the rate-limited user is the JWT's (or the refresh token's).
    if (auto user = TokenCallUser(req)) {
      ctx.user = user->extension_id;
      if (auto limited = Admit(ctx, now)) return *limited;
    }
    return ctx.route.op == Op::kToken ? Token(req, now) : Revoke(req);
  }
  User user;
  if (auto denied = Authenticate(req, now, &user)) return *denied;
  ctx.user = user.extension_id;
  if (auto limited = Admit(ctx, now)) return *limited;
  return Dispatch(req, ctx, user, now, pending);
}

Response Platform::Impl::Dispatch(const Request& req, CallContext& ctx, const User& user,
                                  WallTime now, std::optional<PendingCreate>* pending) {
  switch (ctx.route.op) {
    case Op::kList:
      return List(ctx, user, now);
    case Op::kCreate:
      return PrepareCreate(req, user, now, pending);
    case Op::kGet:
      return Get(ctx, user, now);
    case Op::kUpdate:
      return Update(req, ctx, user, now);
    case Op::kRenew:
      return Renew(ctx, user, now);
    case Op::kDelete:
      return Delete(ctx, user, now);
    default:
      return internal::ApiError(404, "CMN-120", "Invalid URI");
  }
}

void Platform::Impl::Finish(const Request& req, CallContext& ctx, Response& resp, WallTime now) {
  const RateGroup group = ctx.route.group;
  const int limit = limiter.Limit(group);
  int remaining = limit;
  if (ctx.admission) {
    remaining = ctx.admission->remaining;
  } else if (!ctx.user.empty()) {
    remaining = limiter.Remaining(ctx.user, group, now);
  }
  resp.headers.emplace_back("X-Rate-Limit-Group", RateGroupName(group));
  resp.headers.emplace_back("X-Rate-Limit-Limit", std::to_string(limit));
  resp.headers.emplace_back("X-Rate-Limit-Remaining", std::to_string(remaining));
  resp.headers.emplace_back("X-Rate-Limit-Window", std::to_string(RateLimiter::kWindow.count()));
  resp.delay += ctx.delay;
  const std::string* agent = req.headers.Find("User-Agent");
  CallRecord record{++call_seq,
                    now,
                    req.method,
                    ctx.route.path,
                    resp.drop ? 0 : resp.status,
                    RateGroupName(group),
                    ctx.user,
                    ctx.in_penalty,
                    agent != nullptr ? *agent : std::string()};
  calls.push_back(std::move(record));
  if (calls.size() > kMaxLogRecords) calls.pop_front();
}

Platform::Platform(Options options, subkeeper::http::HttpTransport& transport,
                   const subkeeper::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), transport, clock)) {}

Platform::~Platform() = default;

Response Platform::Handle(const Request& request, WallTime now) {
  const std::string path = internal::PathOf(request.target);
  if (path.starts_with("/_emulator")) return HandleControl(request, now);
  CallContext ctx;
  ctx.route = internal::ClassifyRoute(request.method, path);
  std::optional<PendingCreate> pending;
  Millis timeout{0};
  {
    subkeeper::MutexLock lock(impl_->mu);
    ctx.base_url = BaseUrl(request, impl_->options.base_url);
    Response resp = impl_->Begin(request, ctx, now, &pending);
    if (!pending) {
      impl_->Finish(request, ctx, resp, now);
      return resp;
    }
    timeout = impl_->options.handshake_timeout;
  }
  // The handshake runs unlocked: a slow subscriber must not stall every other caller.
  const internal::SendResult sent = impl_->Send(pending->handshake, timeout);
  subkeeper::MutexLock lock(impl_->mu);
  Response resp = impl_->FinishCreate(ctx, *pending, sent, now);
  impl_->Finish(request, ctx, resp, now);
  return resp;
}

std::vector<Delivery> Platform::Tick(WallTime now) {
  subkeeper::MutexLock lock(impl_->mu);
  for (auto it = impl_->subs.begin(); it != impl_->subs.end();) {
    if (now < it->second.expiration) {
      ++it;
      continue;
    }
    ++expired_purges_;
    it = impl_->subs.erase(it);
  }
  impl_->PurgeSessions(now);
  std::vector<Delivery> due = impl_->DueDemoEvents(now);
  if (!impl_->options.reminders_enabled) return due;
  std::vector<Delivery> reminders = impl_->DueReminders(now);
  due.insert(due.end(), std::make_move_iterator(reminders.begin()),
             std::make_move_iterator(reminders.end()));
  return due;
}

int64_t Platform::ExpiredPurges() const {
  subkeeper::MutexLock lock(impl_->mu);
  return expired_purges_;
}

}  // namespace rcemu
