#include "subkeeper/subscription/delivery.h"

namespace subkeeper::subscription {
namespace {

std::string_view WithoutTrailingSlashes(std::string_view url) {
  while (url.ends_with('/')) url.remove_suffix(1);
  return url;
}

std::string OwnedPrefix(std::string_view public_url) {
  return std::string(WithoutTrailingSlashes(public_url)) + "/webhooks/";
}

}  // namespace

std::string RelayAddress(std::string_view public_url, std::string_view account,
                         std::string_view name) {
  std::string out = OwnedPrefix(public_url);
  out += account;
  out += '/';
  out += name;
  return out;
}

std::vector<std::string> PlatformFilters(std::vector<std::string> event_filters,
                                         const std::optional<ReminderSpec>& reminder) {
  if (reminder) event_filters.push_back(ReminderFilter(*reminder));
  return event_filters;
}

bool OwnsAddress(std::string_view public_url, std::string_view address) {
  return !public_url.empty() && address.starts_with(OwnedPrefix(public_url));
}

bool OwnsAddressOf(std::string_view public_url, std::string_view account,
                   std::string_view address) {
  return OwnsAddress(public_url, address) &&
         address.starts_with(OwnedPrefix(public_url) + std::string(account) + "/");
}

}  // namespace subkeeper::subscription
