// Errors as values at module boundaries. The code says how a caller should retry:
//   kUnavailable        retry this call later with backoff (connection error, 5xx, busy store)
//   kDeadlineExceeded   the call timed out; retry with backoff
//   kResourceExhausted  rate limited; retry after `retry_after()` (never earlier)
//   kUnauthenticated    credentials rejected or token expired; refresh/login, then retry once
//   kNotFound           the object does not exist (for a subscription: recreate it)
//   kAborted            a concurrent change won (e.g. a lease is held); redo the read-modify-write
//   kFailedPrecondition / kInvalidArgument / kPermissionDenied  do not retry as is
//   kInternal / kDataLoss  a bug or a corrupt store; do not retry
//
// A Status coming from the RingCentral platform also carries the HTTP status and the platform's
// error code (e.g. "CMN-102"), so that logs and histories can name it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace subkeeper {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kFailedPrecondition,
  kAborted,
  kUnavailable,
  kDeadlineExceeded,
  kInternal,
  kDataLoss,
};

// Returns a stable lower_snake name for `code` ("not_found"), used in logs, JSON and metrics.
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) {
    return {StatusCode::kDeadlineExceeded, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Platform details (empty / 0 when the error did not come from an HTTP answer).
  int http_status() const { return http_status_; }
  const std::string& api_code() const { return api_code_; }
  // For kResourceExhausted: how long the caller must wait before sending again.
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }

  Status& WithHttp(int http_status, std::string api_code) {
    http_status_ = http_status;
    api_code_ = std::move(api_code);
    return *this;
  }
  Status& WithRetryAfter(std::chrono::seconds s) {
    retry_after_ = s;
    return *this;
  }

  // "not_found: CMN-102 (HTTP 404): Resource for parameter [subscriptionId] is not found".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  int http_status_ = 0;
  std::string api_code_;
  std::optional<std::chrono::seconds> retry_after_;
};

// A value or the Status explaining why there is none. REQUIRES: the Status is not OK.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace subkeeper

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define SK_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::subkeeper::Status sk_status_ = (expr); \
    if (!sk_status_.ok()) return sk_status_; \
  } while (0)

#define SK_CONCAT_INNER(a, b) a##b
#define SK_CONCAT(a, b) SK_CONCAT_INNER(a, b)
// Declares `lhs` from a Result<T> expression, or returns its Status from the enclosing function.
#define SK_ASSIGN_OR_RETURN(lhs, expr) \
  SK_ASSIGN_OR_RETURN_IMPL(SK_CONCAT(sk_result_, __LINE__), lhs, expr)
#define SK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
