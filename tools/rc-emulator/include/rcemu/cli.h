// Command-line parsing of the rc-emulator executable, kept out of main.cc so it can be tested.
#pragma once

#include <string>
#include <vector>

#include "rcemu/types.h"
#include "subkeeper/common/status.h"

namespace rcemu {

struct CliConfig {
  Options options;  // seed left at its default; main() randomises it
  std::string host = "127.0.0.1";
  int port = 18080;       // 0 = any free port
  std::string port_file;  // empty: none
  std::string log_level = "info";
  // Deliveries to https addresses verify the server's certificate against this PEM file
  // instead of the system's CA store (for test certificates). Empty: the system store.
  std::string ca_file;
  bool help = false;
  bool version = false;
};

// Parses argv[1..]. kInvalidArgument naming the flag for an unknown flag, a missing value or a
// value out of range. Never echoes the client secret.
subkeeper::Result<CliConfig> ParseCli(const std::vector<std::string>& args);

// The --help text.
std::string CliUsage();

// Parses "light=50,medium=40,heavy=10,auth=5" (any subset) over `limits`.
subkeeper::Status ParseRateLimits(const std::string& text, RateLimits* limits);

// Writes {"port":N} to `path` atomically (temporary file + rename). kUnavailable on I/O errors.
subkeeper::Status WritePortFile(const std::string& path, int port);

}  // namespace rcemu
