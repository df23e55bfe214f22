// Filter comparison. The platform answers with `~` rewritten to numeric ids, so a requested filter
// and the one the platform returns are compared segment by segment, never as strings.
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/reconcile/planner.h"

namespace subkeeper::reconcile {
namespace {

struct SplitFilter {
  std::vector<std::string_view> segments;
  std::string_view query;  // after '?', "" when absent
  bool has_query = false;
};

SplitFilter Split(std::string_view filter) {
  SplitFilter out;
  const auto q = filter.find('?');
  if (q != std::string_view::npos) {
    out.query = filter.substr(q + 1);
    out.has_query = true;
    filter = filter.substr(0, q);
  }
  size_t start = 0;
  while (true) {
    const auto slash = filter.find('/', start);
    out.segments.push_back(filter.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool IsNumeric(std::string_view segment) {
  if (segment.empty()) return false;
  for (const char c : segment) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Kuhn's augmenting path: tries to give requested[r] a returned filter, moving earlier
// assignments when that frees one. A greedy pass could fail when a `~` filter grabs the only
// returned filter a more specific requested one could use.
bool Augment(size_t r, const std::vector<std::vector<bool>>& fits, std::vector<bool>& seen,
             std::vector<int>& owner_of_returned) {
  for (size_t t = 0; t < owner_of_returned.size(); ++t) {
    if (!fits[r][t] || seen[t]) continue;
    seen[t] = true;
    const int owner = owner_of_returned[t];
    if (owner < 0 || Augment(static_cast<size_t>(owner), fits, seen, owner_of_returned)) {
      owner_of_returned[t] = static_cast<int>(r);
      return true;
    }
  }
  return false;
}

}  // namespace

bool FilterMatches(const std::string& requested, const std::string& returned) {
  if (requested == returned) return true;
  const SplitFilter want = Split(requested);
  const SplitFilter got = Split(returned);
  if (want.has_query != got.has_query || want.query != got.query) return false;
  if (want.segments.size() != got.segments.size()) return false;
  for (size_t i = 0; i < want.segments.size(); ++i) {
    if (want.segments[i] == got.segments[i]) continue;
    if (want.segments[i] == "~" && IsNumeric(got.segments[i])) continue;
    return false;
  }
  return true;
}

FilterDiff DiffFilters(const std::vector<std::string>& requested,
                       const std::vector<std::string>& returned) {
  std::vector<std::vector<bool>> fits(requested.size(), std::vector<bool>(returned.size()));
  for (size_t r = 0; r < requested.size(); ++r) {
    for (size_t t = 0; t < returned.size(); ++t)
      fits[r][t] = FilterMatches(requested[r], returned[t]);
  }
  std::vector<int> owner_of_returned(returned.size(), -1);
  FilterDiff diff;
  for (size_t r = 0; r < requested.size(); ++r) {
    std::vector<bool> seen(returned.size(), false);
    if (!Augment(r, fits, seen, owner_of_returned)) diff.added.push_back(requested[r]);
  }
  for (size_t t = 0; t < returned.size(); ++t) {
    if (owner_of_returned[t] < 0) diff.removed.push_back(returned[t]);
  }
  return diff;
}

bool FiltersMatch(const std::vector<std::string>& requested,
                  const std::vector<std::string>& returned) {
  return requested.size() == returned.size() && DiffFilters(requested, returned).empty();
}

}  // namespace subkeeper::reconcile
