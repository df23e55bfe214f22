// Demo traffic (--demo-events-interval): a steady trickle of plausible notifications so the
// quick-start demo shows events flowing to the app, not only renewals. Bodies follow the shapes
// of InstantMessageEventBody and ExtensionPresenceEventBody in the platform's OpenAPI spec,
// reduced to the fields an app typically reads.
#include "platform_impl.h"
#include "subkeeper/common/time_format.h"

namespace rcemu {

using internal::Subscription;
using nlohmann::json;

namespace {

// Same tolerance as reminders: the job runs on a timer and may fire a few milliseconds early.
constexpr Seconds kDemoSlack{1};

json SmsBody(const Subscription& sub, int64_t seq, const std::string& message_id, WallTime now) {
  const std::string time = subkeeper::FormatIso8601(now);
  return {{"id", message_id},
          {"to", {{{"phoneNumber", "+16505550100"}, {"name", "Demo User"}}}},
          {"from", {{"phoneNumber", "+16505550199"}}},
          {"type", "SMS"},
          {"creationTime", time},
          {"lastModifiedTime", time},
          {"readStatus", "Unread"},
          {"priority", "Normal"},
          {"attachments", {{{"id", message_id}, {"type", "Text"}, {"contentType", "text/plain"}}}},
          {"direction", "Inbound"},
          {"availability", "Alive"},
          {"subject", "Demo message " + std::to_string(seq) + " from rc-emulator"},
          {"messageStatus", "Received"},
          {"conversationId", message_id.substr(0, 12)},
          {"ownerId", sub.owner.extension_id}};
}

json PresenceBody(const Subscription& sub, int64_t seq) {
  // Cycles through a call so consecutive events differ the way a ringing phone's do.
  static constexpr const char* kTelephony[] = {"Ringing", "CallConnected", "NoCall"};
  static constexpr const char* kPresence[] = {"Busy", "Busy", "Available"};
  const size_t step = static_cast<size_t>(seq) % 3;
  return {{"extensionId", sub.owner.extension_id}, {"telephonyStatus", kTelephony[step]},
          {"presenceStatus", kPresence[step]},     {"userStatus", "Available"},
          {"dndStatus", "TakeAllCalls"},           {"sequence", seq}};
}

json DemoBody(const Subscription& sub, const std::string& event, int64_t seq,
              const std::string& message_id, WallTime now) {
  if (event.find("/message-store") != std::string::npos) {
    return SmsBody(sub, seq, message_id, now);
  }
  if (event.find("/presence") != std::string::npos) return PresenceBody(sub, seq);
  return {{"demo", true}, {"sequence", seq}};
}

}  // namespace

std::vector<Delivery> Platform::Impl::DueDemoEvents(WallTime now) {
  std::vector<Delivery> due;
  const Seconds interval = options.demo_events_interval;
  if (interval <= Seconds(0)) return due;
  for (auto& [id, sub] : subs) {
    if (sub.blacklisted) continue;
    const WallTime since = sub.last_demo_event.value_or(sub.creation);
    if (now - since + kDemoSlack < interval) continue;
    const std::optional<std::string> event = FirstEventFilter(sub);
    if (!event) continue;
    sub.last_demo_event = now;
    const int64_t seq = ++demo_event_seq;
    const json body = DemoBody(sub, *event, seq, ids.Hex(8), now);
    due.push_back(EventDelivery(sub, *event, ids.Uuid(), body, now));
  }
  return due;
}

}  // namespace rcemu
