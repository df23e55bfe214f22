#include "subkeeper/store/rotation_store.h"

#include <utility>

namespace subkeeper::store {

Result<subscription::TokenBook> LoadTokenBook(RotationStore& store, const Secret& configured) {
  SK_ASSIGN_OR_RETURN(std::vector<Secret> stored, store.ListWebhookSecrets());
  if (stored.empty()) return subscription::TokenBook(configured);
  Secret last = std::move(stored.front());
  stored.erase(stored.begin());
  return subscription::TokenBook(std::move(last), std::move(stored)).Rotated(configured);
}

Status SaveTokenBook(RotationStore& store, const subscription::TokenBook& book) {
  std::vector<Secret> secrets{book.current()};
  secrets.insert(secrets.end(), book.previous().begin(), book.previous().end());
  return store.PutWebhookSecrets(secrets);
}

}  // namespace subkeeper::store
