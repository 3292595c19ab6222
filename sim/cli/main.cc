// msgsim: everything happens in sim/cli/ (msgsim_cli), so that tests can run it in-process.
#include "sim/cli/cli.h"

int main(int argc, char** argv) { return msgsim::cli_main(argc, argv); }
