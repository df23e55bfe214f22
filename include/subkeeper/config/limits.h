// Bounds on what a config may make the keeper read and build, so that a hostile or mistaken
// config file is refused with a message instead of crashing, hanging or exhausting memory
// (`subkeeper check`, `run` and every reload alike).
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <string>

#include "subkeeper/common/status.h"

namespace subkeeper::config {

// The config file itself. The flat form of a 100k-subscription fleet (bench_seed_store) is
// about 23 MB of YAML; this leaves room above that.
inline constexpr size_t kMaxConfigFileBytes = size_t{64} << 20;
// accounts_file (JSON Lines, streamed one line at a time): 100k accounts with inline JWTs of
// about 1.5 KB each are about 160 MB.
inline constexpr size_t kMaxAccountsFileBytes = size_t{256} << 20;
// Every *_file key (a secret, a token): a JWT is a few KB.
inline constexpr size_t kMaxSecretFileBytes = size_t{64} << 10;
// listen.tls.cert and listen.tls.key (PEM; a certificate chain is a few KB per certificate).
inline constexpr size_t kMaxTlsFileBytes = size_t{1} << 20;
// Nesting of maps and lists in the config file (YAML or JSON) and in an accounts file line. The
// schema needs 5 levels.
inline constexpr int kMaxNestingDepth = 64;
// YAML aliases (*name) are expanded into copies of their anchored node: at most this many
// nodes, and kMaxAliasBytes of scalar text, may be produced that way per file (a "billion
// laughs" file of 1 KB would otherwise expand to billions of nodes).
inline constexpr size_t kMaxAliasNodes = 1000000;
inline constexpr size_t kMaxAliasBytes = size_t{16} << 20;

// "64 MiB", "64 KiB", "100 bytes": a limit as messages show it.
std::string DescribeBytes(size_t bytes);

// Reads `path` whole if it is a regular file of at most `max_bytes`. Never blocks on what is not
// a regular file: it is opened with O_NONBLOCK, checked with fstat on the opened descriptor, and
// at most max_bytes + 1 bytes are ever read (a file that grows while being read is refused too).
// Errors carry only the reason, for the caller to prefix with the path in its own words:
//  - kNotFound "No such file or directory" (strerror of open), also for other open errors;
//  - kInvalidArgument "is not a regular file (a FIFO)" (a directory, a character device, ...);
//  - kInvalidArgument "is larger than 64 KiB" (DescribeBytes(max_bytes));
//  - kUnavailable "read error: <strerror>".
// Thread-safe.
Result<std::string> ReadBoundedFile(const std::string& path, size_t max_bytes);

// The same checks, for a file read as a stream (the accounts file). The stream stops with
// badbit set when the file grows past `max_bytes` while it is read, or on a read error.
Result<std::unique_ptr<std::istream>> OpenBoundedFile(const std::string& path, size_t max_bytes);

}  // namespace subkeeper::config
