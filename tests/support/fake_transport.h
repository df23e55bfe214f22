// A scripted HttpTransport for tests (header-only).
//
// Every request is recorded. Answers come, in order of preference, from a queue of canned
// responses or Statuses (Push*), then from a handler function (SetHandler), and otherwise are
// kUnavailable("no scripted answer"). The handler runs outside the fake's lock, so it may block
// (e.g. to hold a token request while other threads pile up). Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "subkeeper/common/status.h"
#include "subkeeper/http/http.h"

namespace subkeeper::testing {

class FakeTransport final : public http::HttpTransport {
 public:
  using Handler = std::function<Result<http::HttpResponse>(const http::HttpRequest&)>;

  // A response with `status`, `body` and `headers`; a JSON Content-Type is added when the body
  // is not empty.
  static http::HttpResponse Response(int status, std::string body = "",
                                     http::Headers headers = {}) {
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return http::HttpResponse{status, std::move(headers), std::move(body)};
  }

  void Push(http::HttpResponse response) {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(response));
  }
  void Push(int status, std::string body = "", http::Headers headers = {}) {
    Push(Response(status, std::move(body), std::move(headers)));
  }
  // Queues a transport failure (no answer), e.g. Status::DeadlineExceeded("…").
  void PushError(Status status) {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(status));
  }
  void SetHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }

  Result<http::HttpResponse> Send(const http::HttpRequest& request) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      if (!queue_.empty()) {
        Answer answer = std::move(queue_.front());
        queue_.pop_front();
        if (auto* status = std::get_if<Status>(&answer)) return *status;
        return std::get<http::HttpResponse>(std::move(answer));
      }
      handler = handler_;
    }
    if (handler) return handler(request);
    return Status::Unavailable("fake transport: no scripted answer for " + request.method + " " +
                               request.url);
  }

  std::vector<http::HttpRequest> Requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t RequestCount() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  // Requests whose URL contains `fragment` (e.g. "/restapi/oauth/token").
  std::vector<http::HttpRequest> RequestsTo(std::string_view fragment) const {
    std::lock_guard lock(mu_);
    std::vector<http::HttpRequest> out;
    for (const auto& r : requests_) {
      if (r.url.find(fragment) != std::string::npos) out.push_back(r);
    }
    return out;
  }
  size_t PendingAnswers() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }
  void ClearRequests() {
    std::lock_guard lock(mu_);
    requests_.clear();
  }

 private:
  using Answer = std::variant<http::HttpResponse, Status>;

  mutable std::mutex mu_;
  std::vector<http::HttpRequest> requests_;  // guarded by mu_
  std::deque<Answer> queue_;                 // guarded by mu_
  Handler handler_;                          // guarded by mu_
};

}  // namespace subkeeper::testing
