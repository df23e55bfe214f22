#include "rcemu/httplib_transport.h"

#include <httplib.h>
#include <strings.h>

#include <chrono>
#include <optional>
#include <string>

#include "subkeeper/common/url.h"

namespace rcemu {

using subkeeper::ParseUrl;
using subkeeper::Result;
using subkeeper::Status;
using subkeeper::UrlParts;
using subkeeper::http::HttpRequest;
using subkeeper::http::HttpResponse;

namespace {

struct SplitUrl {
  std::string origin;  // scheme://host[:port]
  std::string target;  // /path?query
};

// The origin for httplib::Client and the request target, from the URL as libcurl reads it.
std::optional<SplitUrl> Split(const std::string& url) {
  Result<UrlParts> parts = ParseUrl(url);
  if (!parts.ok() || parts->host.empty()) return std::nullopt;
  SplitUrl out;
  out.origin = parts->scheme + "://" + parts->host;
  if (parts->port) out.origin += ":" + std::to_string(*parts->port);
  out.target = parts->path;
  if (parts->query) out.target += "?" + *parts->query;
  return out;
}

void SetTimeouts(httplib::Client& client, std::chrono::milliseconds timeout) {
  const auto sec = static_cast<time_t>(timeout.count() / 1000);
  const auto usec = static_cast<time_t>((timeout.count() % 1000) * 1000);
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
}

}  // namespace

Result<HttpResponse> HttplibTransport::Send(const HttpRequest& request) {
  const auto split = Split(request.url);
  if (!split) return Status::InvalidArgument("unparseable URL");
  httplib::Client client(split->origin);
  SetTimeouts(client, request.timeout);
  client.enable_server_certificate_verification(true);
  if (!ca_file_.empty()) client.set_ca_cert_path(ca_file_.c_str());
  client.set_keep_alive(false);
  httplib::Headers headers;
  std::string content_type;
  for (const auto& [name, value] : request.headers) {
    // httplib writes Content-Type and Content-Length itself (Content-Length: 0 for an empty
    // POST); passing them again would duplicate the headers.
    if (strcasecmp(name.c_str(), "Content-Type") == 0) {
      content_type = value;
    } else if (strcasecmp(name.c_str(), "Content-Length") != 0) {
      headers.emplace(name, value);
    }
  }
  const auto start = std::chrono::steady_clock::now();
  httplib::Result result =
      request.method == "GET"      ? client.Get(split->target.c_str(), headers)
      : request.method == "DELETE" ? client.Delete(split->target.c_str(), headers)
      : request.method == "PUT"
          ? client.Put(split->target.c_str(), headers, request.body, content_type.c_str())
          : client.Post(split->target.c_str(), headers, request.body, content_type.c_str());
  if (!result) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    // httplib reports a read timeout as a generic read error; the elapsed time tells them apart.
    if (result.error() == httplib::Error::ConnectionTimeout || elapsed >= request.timeout) {
      return Status::DeadlineExceeded("no answer within the timeout");
    }
    return Status::Unavailable(std::string("request failed: ") +
                               httplib::to_string(result.error()));
  }
  HttpResponse response;
  response.status = result->status;
  response.body = result->body;
  for (const auto& [name, value] : result->headers) response.headers.emplace_back(name, value);
  return response;
}

}  // namespace rcemu
