// The mapfault command line (DESIGN.md section 9): list, run, replay.
#ifndef MAPFAULT_HARNESS_CLI_H_
#define MAPFAULT_HARNESS_CLI_H_

namespace mapfault {

// Runs the command line; returns the process exit status (0 ok, 1 a claimed guarantee broke or a
// replay reproduced its failure, 2 usage or input error).
int CliMain(int argc, char** argv);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CLI_H_
