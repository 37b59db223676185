// The mapfault executable.
#include "harness/cli/cli.h"

int main(int argc, char** argv) { return mapfault::CliMain(argc, argv); }
