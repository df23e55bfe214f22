// OAuth of the emulated platform (docs/platform.md §6): JWT bearer and refresh grants, revoke, and
// the bearer check every API call goes through.
#include <strings.h>

#include <cstring>

#include "platform_impl.h"
#include "subkeeper/common/crypto.h"

namespace rcemu {

using internal::OAuthError;
using internal::Session;
using internal::User;

namespace {

constexpr std::string_view kJwtGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

// The same assertion always maps to the same user, so a restarted keeper (or a second replica)
// sees the same account and extension ids.
User UserFromAssertion(const std::string& assertion) {
  const std::string mac = subkeeper::HmacSha256("rc-emulator-user", assertion);
  auto number = [&mac](size_t offset) {
    uint64_t v = 0;
    std::memcpy(&v, mac.data() + offset, sizeof v);
    return std::to_string(100000000 + v % 900000000);
  };
  return User{number(0), number(8)};
}

// Splits "Scheme credentials", matching the scheme case-insensitively.
std::optional<std::string> Credentials(const Request& req, std::string_view scheme) {
  const std::string* header = req.headers.Find("Authorization");
  if (header == nullptr || header->size() <= scheme.size() + 1) return std::nullopt;
  if (strncasecmp(header->data(), scheme.data(), scheme.size()) != 0) return std::nullopt;
  if ((*header)[scheme.size()] != ' ') return std::nullopt;
  return header->substr(scheme.size() + 1);
}

Response InvalidClient() {
  return OAuthError(401, "invalid_client", "Invalid client credentials", "OAU-123");
}

}  // namespace

std::optional<User> Platform::Impl::TokenCallUser(const Request& req) const {
  auto form = internal::ParseForm(req.body);
  const std::string& grant = form["grant_type"];
  if (grant == kJwtGrant && !form["assertion"].empty()) return UserFromAssertion(form["assertion"]);
  std::string token = grant == "refresh_token" ? form["refresh_token"] : form["token"];
  for (const auto* index : {&refresh_tokens, &access_tokens}) {
    auto it = index->find(token);
    if (it != index->end()) return sessions.at(it->second).user;
  }
  return std::nullopt;
}

namespace {

bool ClientAuthOk(const Request& req, const Options& options) {
  const auto given = Credentials(req, "Basic");
  if (!given) return false;
  const std::string expected =
      subkeeper::Base64Encode(options.client_id + ":" + options.client_secret.Reveal());
  return subkeeper::ConstantTimeEquals(*given, expected);
}

nlohmann::json TokenInfo(const Session& session, WallTime now) {
  auto left = [now](WallTime until) {
    return std::chrono::duration_cast<Seconds>(until - now).count();
  };
  return {{"access_token", session.access_token},
          {"token_type", "bearer"},
          {"expires_in", left(session.access_expires)},
          {"refresh_token", session.refresh_token},
          {"refresh_token_expires_in", left(session.refresh_expires)},
          {"scope", "ReadAccounts SubscriptionWebhook"},
          {"owner_id", session.user.extension_id},
          {"endpoint_id", "emu-endpoint-" + session.id.substr(0, 8)},
          {"session_id", session.id}};
}

}  // namespace

Response Platform::Impl::Token(const Request& req, WallTime now) {
  if (!ClientAuthOk(req, options)) return InvalidClient();
  auto form = internal::ParseForm(req.body);
  const std::string& grant = form["grant_type"];
  Session* session = nullptr;
  if (grant == kJwtGrant) {
    const std::string& assertion = form["assertion"];
    if (assertion.empty()) {
      return OAuthError(400, "invalid_request", "Parameter [assertion] is required", "OAU-101");
    }
    if (revoked_jwts.contains(assertion)) {
      return OAuthError(400, "invalid_grant", "Invalid JWT: the credential was revoked", "OAU-140");
    }
    Session fresh;
    fresh.id = ids.Hex(12);
    fresh.user = UserFromAssertion(assertion);
    session = &sessions.emplace(fresh.id, std::move(fresh)).first->second;
  } else if (grant == "refresh_token") {
    auto it = refresh_tokens.find(form["refresh_token"]);
    if (it == refresh_tokens.end() || now >= sessions.at(it->second).refresh_expires) {
      return OAuthError(400, "invalid_grant", "Token is expired or revoked", "OAU-211");
    }
    session = &sessions.at(it->second);
    // Refresh tokens are single-use and the refresh invalidates the previous access token.
    refresh_tokens.erase(it);
    access_tokens.erase(session->access_token);
  } else {
    return OAuthError(400, "unsupported_grant_type", "Unsupported grant type", "OAU-125");
  }
  session->access_token = "emu-at-" + ids.Hex(24);
  session->refresh_token = "emu-rt-" + ids.Hex(24);
  session->access_expires = now + options.access_token_ttl;
  session->refresh_expires = now + options.refresh_token_ttl;
  access_tokens[session->access_token] = session->id;
  refresh_tokens[session->refresh_token] = session->id;
  return internal::JsonResponse(200, TokenInfo(*session, now));
}

Response Platform::Impl::Revoke(const Request& req) {
  if (!ClientAuthOk(req, options)) return InvalidClient();
  auto form = internal::ParseForm(req.body);
  const std::string& token = form["token"];
  if (token.empty()) {
    return OAuthError(400, "invalid_request", "Parameter [token] is required", "OAU-101");
  }
  std::string session_id;
  for (const auto* index : {&access_tokens, &refresh_tokens}) {
    auto it = index->find(token);
    if (it != index->end()) session_id = it->second;
  }
  // Revoke ends the whole session: every token of it (docs/platform.md §6).
  if (auto it = sessions.find(session_id); it != sessions.end()) {
    access_tokens.erase(it->second.access_token);
    refresh_tokens.erase(it->second.refresh_token);
    sessions.erase(it);
  }
  Response resp;
  resp.status = 200;
  return resp;
}

std::optional<Response> Platform::Impl::Authenticate(const Request& req, WallTime now, User* user) {
  const auto token = Credentials(req, "Bearer");
  if (!token) {
    return internal::ApiError(401, "AGW-401", "Authorization header is not specified");
  }
  auto it = access_tokens.find(*token);
  if (it == access_tokens.end()) return internal::ApiError(401, "OAU-213", "Token not found");
  const Session& session = sessions.at(it->second);
  if (now >= session.access_expires) {
    return internal::ApiError(401, "OAU-128", "Access token expired");
  }
  *user = session.user;
  return std::nullopt;
}

void Platform::Impl::PurgeSessions(WallTime now) {
  // An expired access token is kept (answering OAU-128, not OAU-213) until the refresh token
  // of its session expires too.
  for (auto it = sessions.begin(); it != sessions.end();) {
    const Session& s = it->second;
    if (now < s.refresh_expires || now < s.access_expires) {
      ++it;
      continue;
    }
    access_tokens.erase(s.access_token);
    refresh_tokens.erase(s.refresh_token);
    it = sessions.erase(it);
  }
}

}  // namespace rcemu
