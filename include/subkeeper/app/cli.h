// The command line: `subkeeper run|check|history … [-c FILE]`, `--version`, `--help`.
#pragma once

namespace subkeeper::app {

// Parses argv and runs one command. Returns the process exit code (0 ok, 1 error, 2 usage or,
// for plan, changes pending). Errors go to stderr.
int RunCli(int argc, char** argv);

}  // namespace subkeeper::app
