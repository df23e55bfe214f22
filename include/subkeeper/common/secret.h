// A string that must never reach a log, an error message or a status page. It has no stream
// operator and no implicit conversion; the only way to read it is Reveal(), which makes every
// use greppable.
#pragma once

#include <string>
#include <utility>

namespace subkeeper {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  bool operator==(const Secret& other) const = default;

 private:
  std::string value_;
};

}  // namespace subkeeper
