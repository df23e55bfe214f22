// The run-state file (`listen.state_file`): how a running keeper tells one-shot commands and
// supervisors where it listens. One JSON object,
//   {"pid": 4242, "webhooks": 8080, "admin": 9090, "admin_url": "http://127.0.0.1:9090",
//    "public_url": "https://hooks.example.com"}
// written once both listeners are bound and removed when the keeper stops. The file is private
// (0600) and replaced atomically (WritePrivateFile), so a reader never sees half of it.
#pragma once

#include <optional>
#include <string>

#include "subkeeper/common/status.h"

namespace subkeeper::app {

struct RunState {
  long pid = 0;
  int webhooks_port = 0;
  int admin_port = 0;
  std::string admin_url;   // http://<admin host, wildcard as loopback>:<admin port>
  std::string public_url;  // the base URL the platform is given
};

// The file's content for `state` (one line of JSON and a newline).
std::string FormatRunState(const RunState& state);

// Writes `state` to `path` with mode 0600. kUnavailable naming the file on failure (a missing
// directory, a directory in the way); nothing half-written is left behind.
Status WriteRunState(const std::string& path, const RunState& state);

// The admin port a running keeper recorded in `path`: only when the file is a regular file
// owned by this user and not writable by group or others (others could otherwise redirect the
// admin token), at most 4 KiB, a JSON object whose "admin" is an integer in 1..65535. nullopt
// otherwise, including when it does not exist. The host is never taken from the file.
std::optional<int> ReadAdminPort(const std::string& path);

}  // namespace subkeeper::app
