// ISO 8601 / RFC 3339 timestamps as the platform writes them ("2016-04-06T11:16:23.177Z").
#pragma once

#include <string>
#include <string_view>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/status.h"

namespace subkeeper {

// Formats `t` in UTC with millisecond precision and a trailing 'Z'.
std::string FormatIso8601(WallTime t);

// Parses "YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)". Fractions beyond milliseconds are truncated.
// Returns kInvalidArgument naming the input when it does not parse.
Result<WallTime> ParseIso8601(std::string_view text);

}  // namespace subkeeper
