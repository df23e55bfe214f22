// A restart in the middle of a webhook secret rotation: the config already names the new secret,
// the subscriptions created with the old one are not recreated yet. Their notifications must
// still verify, from the secrets the store kept (store::RotationStore).
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "store/temp_dir.h"
#include "subkeeper/store/rotation_store.h"
#include "subkeeper/store/sqlite_store.h"
#include "subkeeper/subscription/token.h"
#include "subkeeper/webhook/receiver.h"
#include "webhook/fake_sink.h"

namespace subkeeper::webhook {
namespace {

constexpr const char* kPath = "/webhooks/main/sms";
const subscription::ReminderSpec kReminder{60, 15};

// The subscription main/sms, created while `tokens` was the keeper's book.
void StoreCreatedWith(store::Store& store, const subscription::TokenBook& tokens) {
  store::SubscriptionRecord r;
  r.account = "main";
  r.name = "sms";
  r.reminder = kReminder;
  r.remote_id = "sub-1";
  r.token_fingerprint = tokens.Fingerprint("main", "sms");
  REQUIRE(store.PutSubscription(r, std::nullopt).ok());
}

// Publishes the route of every stored subscription as the keeper does at start-up (token by the
// stored fingerprint) and posts a notification for main/sms carrying `token`.
int PostAfterRestart(store::Store& store, const subscription::TokenBook& tokens,
                     const Secret& token) {
  RouteMap routes;
  Interned interned;
  const auto heads = store.ListSubscriptionHeads(nullptr, 100);
  REQUIRE(heads.ok());
  for (const auto& head : *heads) {
    routes[head.account + "/" + head.name] =
        Route{tokens.Find(head.token_fingerprint, head.account, head.name),
              interned(subscription::ReminderFilter(*head.reminder)), head.remote_id, true};
  }
  RouteTable table;
  table.Publish(std::move(routes));
  testing::FakeSink sink;
  ManualClock clock;
  WebhookReceiver receiver{table, sink,
                           [](const std::string&, const std::string&, const std::string&) {}, clock,
                           ReceiverOptions{256, std::chrono::milliseconds(1500)}};
  http::Headers headers{{"content-type", "application/json"},
                            {"verification-token", token.Reveal()}};
  const std::string body =
      R"({"uuid":"u1","event":"/restapi/v1.0/account/~/presence","subscriptionId":"sub-1",)"
      R"("body":{}})";
  return receiver.HandleNotification(kPath, headers, body).status;
}

TEST_CASE("after a restart mid-rotation the old subscription's token still verifies", "[webhook]") {
  store::testing::TempDir dir;
  const std::string path = dir.File("keeper.db");
  ManualClock clock;
  const Secret old_token = subscription::DeriveVerificationToken(Secret("old"), "main", "sms");
  const Secret new_token = subscription::DeriveVerificationToken(Secret("new"), "main", "sms");
  {
    auto store = store::OpenSqliteStore(path, clock).value();
    auto tokens = store::LoadTokenBook(*store, Secret("old")).value();
    REQUIRE(store::SaveTokenBook(*store, tokens).ok());
    StoreCreatedWith(*store, tokens);
    SECTION("rotated by a reload, then restarted") {
      REQUIRE(store::SaveTokenBook(*store, tokens.Rotated(Secret("new"))).ok());
    }
    SECTION("rotated in the config while the keeper was down") {}
  }
  // The restarted keeper: its config names only the new secret.
  auto store = store::OpenSqliteStore(path, clock).value();
  const auto tokens = store::LoadTokenBook(*store, Secret("new")).value();
  CHECK(tokens.current() == Secret("new"));
  CHECK(PostAfterRestart(*store, tokens, old_token) == 200);
  // The old subscription carries the old token, never the new one.
  CHECK(PostAfterRestart(*store, tokens, new_token) == 403);
  // What a keeper that kept the old secret only in memory knew after the restart: not enough.
  CHECK(PostAfterRestart(*store, subscription::TokenBook(Secret("new")), old_token) == 403);
}

}  // namespace
}  // namespace subkeeper::webhook
