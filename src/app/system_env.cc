#include "system_env.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <random>
#include <string_view>

#include "subkeeper/common/mutex.h"
#include "subkeeper/store/postgres_store.h"
#include "subkeeper/store/sqlite_store.h"

namespace subkeeper::app {

Result<std::string> ReplicaId() {
  const char* id = std::getenv("SUBKEEPER_REPLICA_ID");
  if (id == nullptr) return std::string();
  const std::string_view value(id);
  const bool valid =
      !value.empty() && value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  if (!valid) {
    return Status::InvalidArgument(
        "environment variable SUBKEEPER_REPLICA_ID: must match [A-Za-z0-9._-]{1,64}");
  }
  return std::string(value);
}

Result<std::string> HostLeaseOwner() {
  // Stable across restarts of the same host, so a lease left by a killed process does not block
  // its successor; distinct between replicas (each has its own hostname, or its replica id).
  char host[256] = {};
  std::string owner = "subkeeper";
  if (gethostname(host, sizeof(host) - 1) == 0) owner += std::string("@") + host;
  SK_ASSIGN_OR_RETURN(std::string id, ReplicaId());
  return id.empty() ? owner : owner + "/" + id;
}

std::string PlatformUserAgent() {
  std::string agent = "subkeeper/" SUBKEEPER_VERSION;
  // Only a valid id (the daemon refuses to start with a bad one).
  if (Result<std::string> id = ReplicaId(); id.ok() && !id->empty()) agent += " replica/" + *id;
  return agent;
}

std::function<double()> SystemRandom() {
  struct Source {
    Mutex mu;
    std::mt19937_64 engine GUARDED_BY(mu){std::random_device{}()};
  };
  auto source = std::make_shared<Source>();
  return [source] {
    MutexLock lock(source->mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(source->engine);
  };
}

SystemEnv::SystemEnv() {
  env_.clock = &clock_;
  env_.platform = platform_.get();
  env_.relay = relay_.get();
  env_.open_store = [this](const config::StoreConfig& where, store::OpenMode mode) {
    if (where.UsesPostgres())
      return store::OpenPostgresStore(where.postgres.Reveal(), clock_, mode);
    return store::OpenSqliteStore(where.sqlite_path, clock_, mode);
  };
  env_.unit_random = SystemRandom();
  env_.user_agent = PlatformUserAgent();
  Result<std::string> owner = HostLeaseOwner();
  if (owner.ok()) {
    env_.lease_owner = std::move(owner).value();
  } else {
    env_.lease_owner = "subkeeper";
    status_ = owner.status();
  }
}

void SystemEnv::Override(std::string lease_owner, std::function<double()> unit_random) {
  env_.lease_owner = std::move(lease_owner);
  env_.unit_random = std::move(unit_random);
}

}  // namespace subkeeper::app
