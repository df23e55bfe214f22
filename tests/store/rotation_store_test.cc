#include "subkeeper/store/rotation_store.h"

#include <catch2/catch.hpp>

namespace subkeeper::store {
namespace {

// The whole RotationStore: two methods.
class MemoryRotationStore final : public RotationStore {
 public:
  Result<std::vector<Secret>> ListWebhookSecrets() override { return secrets; }
  Status PutWebhookSecrets(const std::vector<Secret>& s) override {
    secrets = s;
    return Status::OK();
  }
  std::vector<Secret> secrets;
};

TEST_CASE("a store without secrets gives a book of the configured secret alone", "[store]") {
  MemoryRotationStore store;
  auto book = LoadTokenBook(store, Secret("new"));
  REQUIRE(book.ok());
  CHECK(*book == subscription::TokenBook(Secret("new")));
}

TEST_CASE("a secret rotated in the config while the keeper was down becomes a previous one",
          "[store]") {
  MemoryRotationStore store;
  store.secrets = {Secret("old"), Secret("older")};
  auto book = LoadTokenBook(store, Secret("new"));
  REQUIRE(book.ok());
  CHECK(book->current() == Secret("new"));
  CHECK(book->previous() == std::vector<Secret>{Secret("old"), Secret("older")});
  // The same secret as last time: the stored book as it was.
  auto same = LoadTokenBook(store, Secret("old"));
  REQUIRE(same.ok());
  CHECK(*same == subscription::TokenBook(Secret("old"), {Secret("older")}));
}

TEST_CASE("a saved book loads back the same", "[store]") {
  MemoryRotationStore store;
  const subscription::TokenBook book(Secret("c"), {Secret("b"), Secret("a")});
  REQUIRE(SaveTokenBook(store, book).ok());
  CHECK(store.secrets == std::vector<Secret>{Secret("c"), Secret("b"), Secret("a")});
  auto loaded = LoadTokenBook(store, Secret("c"));
  REQUIRE(loaded.ok());
  CHECK(*loaded == book);
}

TEST_CASE("a store that cannot be read fails the load", "[store]") {
  class Broken final : public RotationStore {
   public:
    Result<std::vector<Secret>> ListWebhookSecrets() override {
      return Status::Unavailable("busy");
    }
    Status PutWebhookSecrets(const std::vector<Secret>&) override { return Status::OK(); }
  } store;
  auto book = LoadTokenBook(store, Secret("c"));
  REQUIRE_FALSE(book.ok());
  CHECK(book.status().code() == StatusCode::kUnavailable);
}

}  // namespace
}  // namespace subkeeper::store
