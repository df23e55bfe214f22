// The production environment: the system clock, two curl transports, SQLite stores, the host's
// name as lease owner and std::random_device-seeded jitter. Built once by RunDaemon and by each
// one-shot command; private to the app module (the composition root).
#pragma once

#include <string>

#include "subkeeper/app/env.h"
#include "subkeeper/http/curl_transport.h"

namespace subkeeper::app {

// The environment variable SUBKEEPER_REPLICA_ID ("" when unset); kInvalidArgument when it is
// set but not [A-Za-z0-9._-]{1,64}.
Result<std::string> ReplicaId();

// "subkeeper@<hostname>" ("subkeeper" when the name cannot be read), with "/<id>" appended when
// the environment variable SUBKEEPER_REPLICA_ID is set: several keepers on one host (or in one
// network namespace, with one hostname) need distinct identities for their claims. Errors: those
// of ReplicaId.
Result<std::string> HostLeaseOwner();
// "subkeeper/<version>", with " replica/<id>" when SUBKEEPER_REPLICA_ID is set (and valid).
std::string PlatformUserAgent();

// A thread-safe uniform [0, 1) source seeded from std::random_device.
std::function<double()> SystemRandom();

// Owns what env() points to: keep it alive as long as anything built from env() is.
// Not copyable or movable (env() holds pointers into it).
class SystemEnv {
 public:
  SystemEnv();
  // What went wrong building it (a bad SUBKEEPER_REPLICA_ID); the daemon refuses to start.
  const Status& status() const { return status_; }
  SystemEnv(const SystemEnv&) = delete;
  SystemEnv& operator=(const SystemEnv&) = delete;

  const KeeperEnv& env() const { return env_; }
  // For one-shot commands: a fixed lease owner and a constant jitter instead of the daemon's.
  void Override(std::string lease_owner, std::function<double()> unit_random);

 private:
  SystemClock clock_;
  std::unique_ptr<http::HttpTransport> platform_ = http::NewCurlTransport();
  std::unique_ptr<http::HttpTransport> relay_ = http::NewCurlTransport();
  KeeperEnv env_;
  Status status_;
};

}  // namespace subkeeper::app
