// The mapfault executable.
#include "harness/cli.h"

int main(int argc, char** argv) { return mapfault::CliMain(argc, argv); }
