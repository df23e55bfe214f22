// `templates:` and their expansion into each account's subscriptions. Expansion happens while
// decoding, so everything downstream sees plain Config::subscriptions. Each template entry is
// validated once (validate.cc), not once per account: the rules do not depend on the account,
// and substituting a valid account name into a valid URL keeps it valid.
#include <set>

#include "decoder.h"
#include "subkeeper/config/checks.h"
#include "subkeeper/subscription/reminder.h"

namespace subkeeper::config::internal {
namespace {

constexpr size_t kMaxFileIssues = 100;

}  // namespace

std::string WithAccount(const std::string& text, const std::string& account) {
  size_t at = text.find(kTemplateAccount);
  if (at == std::string::npos) return text;
  std::string out;
  size_t from = 0;
  for (; at != std::string::npos; at = text.find(kTemplateAccount, from)) {
    out.append(text, from, at - from);
    out += account;
    from = at + kTemplateAccount.size();
  }
  out.append(text, from);
  return out;
}

void Decoder::IssueIn(const Where& at, std::string path, std::string rule) {
  if (at.file != out_.source.file && ++file_issues_ > kMaxFileIssues) {
    if (file_issues_ == kMaxFileIssues + 1) {
      out_.issues.push_back({at.file, 0, "", "more problems in this file are not shown"});
    }
    return;
  }
  out_.issues.push_back({at.file, at.line, std::move(path), std::move(rule)});
}

void Decoder::Templates(const Node& node) {
  Note("templates", node);
  if (node.kind != Node::Kind::kMap) {
    Issue("templates", node.line, "must be a mapping of template names to subscription lists");
    return;
  }
  for (const auto& [name, entries] : node.map) {
    const std::string path = Join("templates", name);
    // Registered even when malformed, so accounts naming it get no "unknown template" on top.
    auto [it, fresh] = out_.templates.try_emplace(name);
    if (!fresh) {
      Issue(path, entries.line, "duplicate key");
      continue;
    }
    if (!IsValidName(name))
      Issue(path, entries.line, "template names must match [A-Za-z0-9_-]{1,64}");
    if (!Seq(entries, path)) continue;
    if (entries.seq.empty()) Issue(path, entries.line, "is required (at least one subscription)");
    for (size_t i = 0; i < entries.seq.size(); ++i) {
      SubscriptionConfig sub;
      sub.account = kTemplateAccount;
      sub.line = entries.seq[i].line;
      Subscription(entries.seq[i], Index(path, i), sub, /*in_template=*/true);
      it->second.push_back(std::move(sub));
    }
  }
}

void Decoder::IndexExplicitSubscriptions() {
  if (explicit_indexed_) return;
  explicit_indexed_ = true;
  const auto& subs = out_.config.subscriptions;
  const size_t end = std::min(subs.size(), out_.source.first_expanded_subscription);
  for (size_t i = 0; i < end; ++i) {
    if (subs[i].account.empty() || subs[i].name.empty()) continue;
    explicit_.emplace(std::pair{subs[i].account, subs[i].name}, i);
    ++explicit_count_[subs[i].account];
  }
}

void Decoder::ExpandAccountTemplates() {
  for (size_t u = 0; u < account_templates_.size(); ++u) {
    const auto& [index, names] = account_templates_[u];
    // An invalid name is reported by validation; its subscriptions would only add noise.
    const std::string& account = out_.config.accounts[index].name;
    if (IsValidName(account)) Expand(account, names, account_template_uses_[u]);
  }
}

void Decoder::Expand(const std::string& account, const std::vector<std::string>& names,
                     const Where& use) {
  IndexExplicitSubscriptions();
  bool ok = true;
  std::set<std::string_view> listed;
  // Subscription name -> the template and entry it came from.
  std::map<std::string_view, std::pair<const std::string*, size_t>> origin;
  std::vector<const SubscriptionConfig*> entries;
  for (size_t k = 0; k < names.size(); ++k) {
    auto it = out_.templates.find(names[k]);
    if (it == out_.templates.end()) {
      IssueIn(use, Index(use.path, k), "unknown template '" + names[k].substr(0, 80) + "'");
      ok = false;
      continue;
    }
    if (!listed.insert(names[k]).second) {
      IssueIn(use, Index(use.path, k), "lists template '" + names[k] + "' twice");
      ok = false;
      continue;
    }
    for (size_t i = 0; i < it->second.size(); ++i) {
      const SubscriptionConfig& entry = it->second[i];
      if (entry.name.empty()) continue;  // reported with the template
      const std::string from = Index(Join("templates", it->first), i);
      auto [seen, fresh] = origin.try_emplace(entry.name, &it->first, i);
      std::string other;
      if (!fresh && seen->second.first == &it->first) {
        ok = false;  // twice in one template: validation reports it, once
        continue;
      } else if (!fresh) {
        other = Index(Join("templates", *seen->second.first), seen->second.second);
      } else if (auto e = explicit_.find(std::pair{account, entry.name}); e != explicit_.end()) {
        other = "subscriptions[" + std::to_string(e->second) + "]";
      }
      if (!other.empty()) {
        IssueIn(use, use.path,
                "account '" + account + "' gets subscription '" + entry.name + "' from both " +
                    other + " and " + from);
        ok = false;
        continue;
      }
      entries.push_back(&entry);
    }
  }
  auto count = explicit_count_.find(account);
  const size_t given = count == explicit_count_.end() ? 0 : count->second;
  const size_t cap = static_cast<size_t>(subscription::kMaxSubscriptionsPerAccount);
  // Too many explicit ones alone are reported by validation.
  if (given + entries.size() > cap && given <= cap) {
    IssueIn(use, use.path,
            "account '" + account + "' would have " + std::to_string(given + entries.size()) +
                " subscriptions (" + std::to_string(entries.size()) +
                " from templates); the platform allows at most " + std::to_string(cap) +
                " per user and app (SUB-505)");
    ok = false;
  }
  if (!ok) return;
  for (const SubscriptionConfig* entry : entries) {
    SubscriptionConfig sub = *entry;
    sub.account = account;
    sub.deliver_to = WithAccount(entry->deliver_to, account);
    sub.address = WithAccount(entry->address, account);
    out_.config.subscriptions.push_back(std::move(sub));
  }
}

}  // namespace subkeeper::config::internal
