#include "statement_cache.h"

#include <utility>

namespace subkeeper::store {

StatementCache::Lease::Lease(SQLite::Statement* statement, bool* in_use,
                             std::unique_ptr<SQLite::Statement> owned)
    : statement_(statement), in_use_(in_use), owned_(std::move(owned)) {}

StatementCache::Lease::Lease(Lease&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      owned_(std::move(other.owned_)) {}

StatementCache::Lease::~Lease() {
  if (statement_ == nullptr || in_use_ == nullptr) return;  // moved from, or a one-off
  // tryReset's result repeats the last step's error, which the user of the lease already saw.
  statement_->tryReset();
  try {
    statement_->clearBindings();
  } catch (...) {  // sqlite3_clear_bindings cannot fail on a reset statement; never throw here
  }
  *in_use_ = false;
}

StatementCache::Lease StatementCache::Get(const std::string& sql) {
  auto it = entries_.find(sql);
  if (it == entries_.end() && entries_.size() < kMaxEntries) {
    Entry entry{std::make_unique<SQLite::Statement>(db_, sql), false};
    it = entries_.emplace(sql, std::move(entry)).first;
  }
  if (it == entries_.end() || it->second.in_use) {
    auto owned = std::make_unique<SQLite::Statement>(db_, sql);
    SQLite::Statement* raw = owned.get();
    return Lease(raw, nullptr, std::move(owned));
  }
  it->second.in_use = true;
  return Lease(it->second.statement.get(), &it->second.in_use, nullptr);
}

}  // namespace subkeeper::store
