// HttpTransport over libcurl (easy handle per call; libcurl is initialised once per process).
#pragma once

#include "subkeeper/platform/http.h"

namespace subkeeper::platform {

class CurlTransport final : public HttpTransport {
 public:
  CurlTransport();
  Result<HttpResponse> Send(const HttpRequest& request) override;
};

}  // namespace subkeeper::platform
