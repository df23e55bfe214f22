// Internal to the platform module: keeping secrets out of Status messages.
#pragma once

#include <initializer_list>
#include <string>

#include "subkeeper/common/secret.h"
#include "subkeeper/common/status.h"

namespace subkeeper::platform {

// `status` with every occurrence of each non-empty secret (raw and URL-encoded) in its message
// replaced by "[redacted]"; code, HTTP details and retry_after are kept. A platform message that
// echoes a parameter must not carry a credential into a log.
Status Redact(const Status& status, std::initializer_list<const Secret*> secrets);

// Replaces every occurrence of each non-empty secret (raw and URL-encoded) in `text` with
// "[redacted]". Run it on whole text, before any truncation.
void RedactSecrets(std::string& text, std::initializer_list<const Secret*> secrets);

}  // namespace subkeeper::platform
