// `${VAR}` expansion of config string values. Pure apart from the injected lookup.
#pragma once

#include <string>
#include <string_view>

#include "subkeeper/common/status.h"
#include "subkeeper/config/loader.h"

namespace subkeeper::config {

// Replaces every `${NAME}` in `text` (NAME = [A-Za-z_][A-Za-z0-9_]*) with `env(NAME)`.
// `$${` stands for a literal `${`; any other `$` is kept as is. Expanded values are not scanned
// again.
// Errors (kInvalidArgument), naming the variable and never any value:
//   "environment variable RC_JWT is not set", "unterminated ${", "invalid variable name in ${...}"
//   (a malformed name is not echoed, in case a value was pasted between the braces).
Result<std::string> ExpandEnv(std::string_view text, const EnvLookup& env);

}  // namespace subkeeper::config
