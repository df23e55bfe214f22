#include "subkeeper/http/curl_transport.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "subkeeper/common/url.h"

namespace subkeeper::http {
namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Where the answer's body goes, and how much of it is accepted.
struct BodySink {
  std::string* body;
  size_t max_bytes;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t n = size * count;
  if (sink->body->size() + n > sink->max_bytes) return 0;  // libcurl fails: CURLE_WRITE_ERROR
  sink->body->append(data, n);
  return n;
}

std::string Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<Headers*>(user);
  const std::string_view line(data, size * count);
  // A new status line starts a new header block (e.g. after "100 Continue").
  if (line.starts_with("HTTP/")) {
    headers->clear();
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers->emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  return size * count;
}

HeaderList BuildHeaders(const HttpRequest& request) {
  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  // libcurl would otherwise add its own: a form Content-Type on every POST and a 1 s
  // "Expect: 100-continue" stall on large bodies.
  if (request.headers.Find("Content-Type") == nullptr) {
    list = curl_slist_append(list, "Content-Type:");
  }
  list = curl_slist_append(list, "Expect:");
  return HeaderList(list);
}

void SetMethod(CURL* curl, const HttpRequest& request) {
  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    return;
  }
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  if (request.method != "POST") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

Status MapCurlError(CURLcode code, const HttpRequest& request, const char* detail) {
  std::string message = request.method + " " + UrlPath(request.url) + ": " +
                        (detail[0] != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::DeadlineExceeded(std::move(message));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument(std::move(message));
    default:
      return Status::Unavailable(std::move(message));
  }
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const CurlOptions& options) : options_(options) { InitOnce(); }
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  const CurlOptions options_;
};

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  // libcurl would send a CR/LF inside a value as it is (header or request smuggling) and cut a
  // value at a NUL: such a request is not sent at all.
  if (Status headers = CheckHeaders(request.headers); !headers.ok()) {
    return Status::InvalidArgument(request.method + " " + UrlPath(request.url) + ": " +
                                   headers.message());
  }
  EasyHandle curl(curl_easy_init());
  if (!curl)
    return Status::Unavailable(request.method + " " + UrlPath(request.url) + ": no handle");
  HttpResponse response;
  BodySink body{&response.body, options_.max_response_bytes};
  char error[CURL_ERROR_SIZE] = {};
  HeaderList headers = BuildHeaders(request);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  SetMethod(c, request);
  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) return MapCurlError(code, request, error);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace

std::unique_ptr<HttpTransport> NewCurlTransport(const CurlOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace subkeeper::http
