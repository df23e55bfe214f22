// Where the keeper keeps its webhook secrets (subscription::TokenBook): the one it last ran with
// and the ones rotated out before it, so that a restart in the middle of a rotation (the config
// already names the new secret, the old subscriptions are not recreated yet) still verifies the
// notifications of the subscriptions created before it. The secrets are stored in the database
// file (mode 0600), never logged or shown. Thread-safe; errors as Store's.
#pragma once

#include <vector>

#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"
#include "subkeeper/subscription/token.h"

namespace subkeeper::store {

class RotationStore {
 public:
  virtual ~RotationStore() = default;

  // The stored webhook secrets, newest first: the one last in use, then those it replaced.
  // Empty when none was stored.
  virtual Result<std::vector<Secret>> ListWebhookSecrets() = 0;
  // Replaces the stored webhook secrets with `secrets` (newest first), in one transaction.
  virtual Status PutWebhookSecrets(const std::vector<Secret>& secrets) = 0;
};

// The book whose current secret is `configured` and whose previous secrets are those `store`
// keeps: when the stored newest secret is not `configured`, the config rotated it while the
// keeper was down, and it becomes the newest previous one (TokenBook::Rotated). Errors: those of
// ListWebhookSecrets.
Result<subscription::TokenBook> LoadTokenBook(RotationStore& store, const Secret& configured);

// Stores `book`: its current secret, then its previous ones.
Status SaveTokenBook(RotationStore& store, const subscription::TokenBook& book);

}  // namespace subkeeper::store
