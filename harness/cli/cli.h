// The mapfault command line (DESIGN.md section 9): list, run, replay, merge, bench-bugs.
#ifndef MAPFAULT_HARNESS_CLI_CLI_H_
#define MAPFAULT_HARNESS_CLI_CLI_H_

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}

namespace mapfault {

// Runs the command line; returns the process exit status (0 ok, 1 a claimed guarantee broke or a
// replay reproduced its failure, 2 usage or input error, 3 a run stopped before every planned trial
// ran and nothing broke; docs/cli.md#exit-codes).
int CliMain(int argc, char** argv);

// What `mapfault list` lists: backends, scenarios, suites, invariants, strategies.
const std::vector<std::string>& ListKinds();

// Shared by the commands (cli.cc, cli_bench.cc).
// A usage or input error: prints one line on stderr, returns exit status 2.
int UsageError(const std::string& message);
// --watchdog SECONDS on `command`, validated (cli_limits.cc).
CLI::Option* AddWatchdogOption(CLI::App* command, double& seconds);
// The workers' resource limits from MAPFAULT_WORKER_* (cli_limits.cc); false after a usage error.
bool ConfigureWorkerLimits();
// Set by SIGINT/SIGTERM: 1 = stop starting work, 2 or more = abandon running work too.
extern volatile std::sig_atomic_t g_stop;
void OnStopSignal(int);
// Routes SIGINT and SIGTERM to OnStopSignal: the command stops early and reports what it has.
void CatchStopSignals();

// `mapfault bench-bugs` (cli_bench.cc).
struct BenchBugsOptions {
  std::vector<std::string> backends;    // default: every listed mutant
  std::vector<std::string> scenarios;   // default: each backend's witness scenario
  std::vector<std::string> strategies;  // default: stress, noise, random, pct:d=1..3
  int repetitions = 10;
  uint64_t cap = 10000;
  uint64_t seed = 1;
  int replays = 20;
  double watchdog = 5;
  int threads = 0, keys = 0, initial = 0, ops = 0;  // scenario overrides (0: defaults)
  std::string out = "mapfault-bench";
  bool no_progress = false;
  uint64_t exhaustive_cap = 20;  // exhaustive rows: programs per repetition
  // --certify N: instead of the bug rows, the certification table (certify_bench.h) of N
  // programs per correct white-box backend x built-in scenario, at --certify-bound K.
  int certify = 0;
  int certify_bound = 2;
  int certify_stale = 0;
};
CLI::App* AddBenchBugsCommand(CLI::App& app, BenchBugsOptions& options);
int RunBenchBugs(const BenchBugsOptions& options);

// `mapfault check` and `mapfault shrink` (cli_check.cc).
struct CheckCommandOptions {
  std::string backend;
  int tests = 200;
  uint64_t seed = 1;
  int threads = 2, keys = 6, initial = 4, ops = 6;
  std::string weights;  // "" : the defaults
  double growth = 0;
  std::string strategy = "random";
  double watchdog = 5;
};
CLI::App* AddCheckCommands(CLI::App& app, CheckCommandOptions& options);
struct ShrinkCommandOptions {
  std::string token;
  int max_runs = 3000;             // ShrinkOptions::max_runs
  int search_bound = 3;            // ShrinkOptions::search_bound
  uint64_t max_schedules = 100000;  // ShrinkOptions::search_schedules
};
CLI::App* AddShrinkCommand(CLI::App& app, ShrinkCommandOptions& options);
int RunCheck(const CheckCommandOptions& options);
int RunShrink(const ShrinkCommandOptions& options);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CLI_CLI_H_
