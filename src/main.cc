// The subkeeper executable: argv in, exit code out. Everything else is in subkeeper_core.
#include "subkeeper/app/cli.h"

int main(int argc, char** argv) { return subkeeper::app::RunCli(argc, argv); }
