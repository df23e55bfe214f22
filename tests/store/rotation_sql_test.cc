#include <catch2/catch.hpp>

#include "store/temp_dir.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::store {
namespace {

TEST_CASE("the SQLite store keeps its webhook secrets in order and replaces them whole",
          "[store]") {
  ManualClock clock;
  auto store = OpenSqliteStore(":memory:", clock);
  REQUIRE(store.ok());
  auto empty = (*store)->ListWebhookSecrets();
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  REQUIRE((*store)->PutWebhookSecrets({Secret("c"), Secret("b"), Secret("a")}).ok());
  CHECK((*store)->ListWebhookSecrets().value() ==
        std::vector<Secret>{Secret("c"), Secret("b"), Secret("a")});
  REQUIRE((*store)->PutWebhookSecrets({Secret("d")}).ok());
  CHECK((*store)->ListWebhookSecrets().value() == std::vector<Secret>{Secret("d")});
  REQUIRE((*store)->PutWebhookSecrets({}).ok());
  CHECK((*store)->ListWebhookSecrets().value().empty());
}

TEST_CASE("webhook secrets survive reopening the database file", "[store]") {
  testing::TempDir dir;
  const std::string path = dir.File("keeper.db");
  ManualClock clock;
  {
    auto store = OpenSqliteStore(path, clock);
    REQUIRE(store.ok());
    REQUIRE((*store)->PutWebhookSecrets({Secret("new"), Secret("old")}).ok());
  }
  auto reopened = OpenSqliteStore(path, clock);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->ListWebhookSecrets().value() ==
        std::vector<Secret>{Secret("new"), Secret("old")});
  CHECK(testing::ModeOf(path) == 0600);
}

}  // namespace
}  // namespace subkeeper::store
