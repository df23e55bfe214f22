// Prints the Verification-Token the keeper expects for <account>/<name>, so the load clients can
// sign benchmark notifications. The webhook secret is read from the environment (never from
// argv, where `ps` would show it); the bench secret is a throwaway value.
#include "subkeeper/subscription/token.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "subkeeper/common/secret.h"

int main(int argc, char** argv) {
  const char* secret = std::getenv("BENCH_WEBHOOK_SECRET");
  if (argc != 3 || secret == nullptr || *secret == '\0') {
    std::fprintf(stderr, "usage: BENCH_WEBHOOK_SECRET=... bench_token ACCOUNT NAME\n");
    return 2;
  }
  const subkeeper::Secret token =
      subkeeper::subscription::DeriveVerificationToken(subkeeper::Secret(secret), argv[1], argv[2]);
  std::printf("%s\n", token.Reveal().c_str());
  return 0;
}
