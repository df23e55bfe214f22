#include "platform_farm.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "rcemu/filters.h"

namespace subkeeper::sim {
namespace {

// Each platform remembers this many of its latest access and refresh tokens for routing.
constexpr size_t kTokensKept = 3;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() + 0 && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The value of `key` in an application/x-www-form-urlencoded body ("" when absent).
std::string FormValue(std::string_view body, std::string_view key) {
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t end = body.find('&', pos);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(pos, end - pos);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && PercentDecode(pair.substr(0, eq)) == key)
      return PercentDecode(pair.substr(eq + 1));
    pos = end + 1;
  }
  return "";
}

std::string Bearer(const rcemu::Request& request) {
  const std::string* header = request.headers.Find("Authorization");
  if (header == nullptr || !header->starts_with("Bearer ")) return "";
  return header->substr(7);
}

}  // namespace

PlatformFarm::PlatformFarm(const std::vector<std::string>& jwts, rcemu::Options options,
                           http::HttpTransport& hooks, const Clock& clock, Seconds step,
                           WallTime start)
    : hooks_(hooks), clock_(clock), step_(step), start_(start) {
  const std::string seed = options.seed;
  for (size_t i = 0; i <= jwts.size(); ++i) {
    // Distinct seeds: ids and tokens never collide between platforms.
    options.seed = seed + "/" + std::to_string(i);
    platforms_.push_back(std::make_unique<rcemu::Platform>(options, hooks_, clock_));
    if (i < jwts.size()) by_jwt_[jwts[i]] = i;
  }
  recent_access_.resize(platforms_.size());
  recent_refresh_.resize(platforms_.size());
  next_job_.assign(platforms_.size(), WallTime::max());
}

size_t PlatformFarm::Route(const rcemu::Request& request) const {
  const size_t stranger = size();
  auto lookup = [stranger](const std::map<std::string, size_t>& index, const std::string& key) {
    auto it = index.find(key);
    return it == index.end() ? stranger : it->second;
  };
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/restapi/oauth/token" || path == "/restapi/oauth/revoke") {
    const std::string grant = FormValue(request.body, "grant_type");
    if (grant == "refresh_token")
      return lookup(by_refresh_, FormValue(request.body, "refresh_token"));
    const std::string assertion = FormValue(request.body, "assertion");
    if (!assertion.empty()) return lookup(by_jwt_, assertion);
    return lookup(by_access_, FormValue(request.body, "token"));
  }
  return lookup(by_access_, Bearer(request));
}

rcemu::Response PlatformFarm::Handle(size_t shard, const rcemu::Request& request, WallTime now) {
  rcemu::Response response = platforms_[shard]->Handle(request, now);
  if (response.status == 200 && !response.drop && request.target == "/restapi/oauth/token")
    Learn(shard, response);
  return response;
}

void PlatformFarm::Learn(size_t shard, const rcemu::Response& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) return;
  if (body.contains("access_token"))
    Remember(shard, body["access_token"].get<std::string>(), false);
  if (body.contains("refresh_token"))
    Remember(shard, body["refresh_token"].get<std::string>(), true);
}

void PlatformFarm::Remember(size_t shard, const std::string& token, bool refresh) {
  auto& index = refresh ? by_refresh_ : by_access_;
  auto& recent = refresh ? recent_refresh_[shard] : recent_access_[shard];
  index[token] = shard;
  recent.push_back(token);
  if (recent.size() > kTokensKept) {
    index.erase(recent.front());
    recent.pop_front();
  }
}

std::optional<rcemu::SubscriptionSnapshot> PlatformFarm::Find(size_t shard,
                                                              const std::string& id) const {
  for (auto& snapshot : platforms_[shard]->Subscriptions()) {
    if (snapshot.id == id) return snapshot;
  }
  return std::nullopt;
}

WallTime PlatformFarm::Align(WallTime t) const {
  if (t <= start_) return start_;
  const auto since = std::chrono::duration_cast<Millis>(t - start_).count();
  const auto step = std::chrono::duration_cast<Millis>(step_).count();
  return start_ + Millis((since + step - 1) / step * step);
}

void PlatformFarm::Touch(size_t shard, WallTime now) {
  WallTime next = WallTime::max();
  for (const auto& sub : platforms_[shard]->Subscriptions()) {
    WallTime due = sub.expiration_time;  // purged then
    if (sub.status == "Active") {
      for (const auto& filter : sub.event_filters) {
        if (auto reminder = rcemu::ParseReminderFilter(filter))
          due = std::min(due, sub.expiration_time - Seconds(reminder->threshold_s));
      }
    }
    next = std::min(next, std::max(due, now));
  }
  if (next != WallTime::max()) next = Align(next);
  due_.erase({next_job_[shard], shard});
  next_job_[shard] = next;
  if (next != WallTime::max()) due_.insert({next, shard});
}

WallTime PlatformFarm::NextJob() const {
  return due_.empty() ? WallTime::max() : due_.begin()->first;
}

int64_t PlatformFarm::RunJob(WallTime now) {
  std::vector<size_t> shards;
  for (auto it = due_.begin(); it != due_.end() && it->first <= now; ++it)
    shards.push_back(it->second);
  int64_t reminders = 0;
  for (size_t shard : shards) {
    for (const rcemu::Delivery& delivery : platforms_[shard]->Tick(now)) {
      const rcemu::DeliveryOutcome outcome = platforms_[shard]->Deliver(delivery, now);
      if (outcome.ok && delivery.kind == rcemu::DeliveryKind::kReminder) ++reminders;
    }
    // Still inside a reminder window: due again at the next grid time.
    Touch(shard, Align(now + Millis(1)));
  }
  return reminders;
}

int64_t PlatformFarm::ExpiredPurges() const {
  int64_t total = 0;
  for (const auto& platform : platforms_) total += platform->ExpiredPurges();
  return total;
}

}  // namespace subkeeper::sim
