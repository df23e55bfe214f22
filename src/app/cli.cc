#include "subkeeper/app/cli.h"

#include <cstdio>

namespace subkeeper::app {

int RunCli(int, char**) {
  std::fprintf(stderr, "subkeeper: not yet implemented\n");
  return 1;
}

}  // namespace subkeeper::app
