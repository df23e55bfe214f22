// Files the keeper writes besides its database (the run-state file): owner-only
// whatever the process umask, and replaced atomically so a reader never sees half a file.
#pragma once

#include <string>
#include <string_view>

#include "subkeeper/common/status.h"

namespace subkeeper {

// Writes `content` to `path` with mode 0600: into "<path>.tmp" (a leftover one is removed
// first, then created with O_CREAT|O_EXCL|O_NOFOLLOW, so neither an old file's mode nor a
// symlink planted there is reused), fchmod 0600, fsync, then renamed over `path`. kUnavailable
// naming the file (and the errno text) on failure; the .tmp file is removed then.
Status WritePrivateFile(const std::string& path, std::string_view content);

// The content of `path` when it is a regular file (not a symlink) owned by the effective uid,
// not writable by group or others and at most `max_bytes` long; otherwise "". Never blocks on a
// FIFO (opened O_NONBLOCK, checked before reading).
std::string ReadTrustedFile(const std::string& path, size_t max_bytes);

}  // namespace subkeeper
