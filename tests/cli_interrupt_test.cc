// Ctrl-C (SIGINT) in every long-running command: the command stops, reports what it has, and exits
// 3 ("incomplete") unless something broke. Each test waits for the command's own header line (no
// timer) before interrupting it, and gives it far more work than it could finish.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "maps/builtin_backends.h"
#include "nlohmann/json.hpp"
#include "tests/cli_util.h"

namespace mapfault {
namespace {

// Starts `mapfault <args>`, waits until `marker` appears in its stdout or stderr, sends SIGINT and
// returns how it ended.
CommandResult InterruptAt(const std::vector<std::string>& args, const std::string& marker) {
  const std::string dir = TempDir("interrupt");
  const std::string out_file = dir + "/out", err_file = dir + "/err";
  std::vector<char*> argv{const_cast<char*>(MAPFAULT_BINARY)};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(err_file.c_str(), "w", stderr) || !freopen(out_file.c_str(), "w", stdout)) _exit(126);
    execv(MAPFAULT_BINARY, argv.data());
    _exit(127);
  }
  CommandResult r;
  int status = 0;
  while ((r.out + r.err).find(marker) == std::string::npos) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ADD_FAILURE() << "mapfault exited before '" << marker << "': " << r.out << r.err;
      return r;
    }
    r.out = ReadFile(out_file);
    r.err = ReadFile(err_file);
    sched_yield();
  }
  kill(pid, SIGINT);
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out_file);
  r.err = ReadFile(err_file);
  return r;
}

TEST(CliInterruptTest, RunWritesAPartialReportAndExits3) {
  const std::string out = TempDir("sigint");
  const CommandResult r = InterruptAt(
      {"run", "--backend", "mutex", "--trials", "100000000", "--seed", "5", "--out", out},
      "progress:");
  EXPECT_EQ(r.status, 3) << r.err;  // mutex breaks nothing, but not every trial ran
  const nlohmann::json j = nlohmann::json::parse(ReadFile(out + "/results.json"));
  EXPECT_TRUE(j["partial"].get<bool>());
  uint64_t run = 0;
  for (const auto& row : j["results"]) {
    EXPECT_LT(row["trials_run"].get<uint64_t>(), row["trials_planned"].get<uint64_t>());
    run += row["trials_run"].get<uint64_t>();
  }
  EXPECT_GT(run, 0u);
  EXPECT_NE(ReadFile(out + "/report.txt").find("PARTIAL"), std::string::npos);
}

// Before: check had no handler (killed by SIGINT, no summary); now it says how far it got.
TEST(CliInterruptTest, CheckSaysHowFarItGotAndExits3) {
  const CommandResult r =
      InterruptAt({"check", "--backend", "mutex", "--tests", "1000000"}, "mapfault check:");
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("INTERRUPTED: mutex held every claimed invariant"), std::string::npos)
      << r.out;
}

// Before: replay had no handler either. The token names a trial of the correct mutex map, which
// passes: replaying it a hundred thousand times can only end by the interrupt.
TEST(CliInterruptTest, ReplayReportsTheReplaysSoFarAndExits3) {
  CellSpec cell;
  cell.backend = GlobalBackends().Find("mutex");
  cell.scenario = ScenarioRegistry::Builtin().Find("mixed-ops");
  cell.params = cell.scenario->defaults;
  const std::string token =
      MakeToken(SpecFor(cell, 1, 0), Invariant::kLinearizable, std::nullopt).Encode();
  const CommandResult r =
      InterruptAt({"replay", "--times", "100000", token}, "mapfault replay:");
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("interrupted after"), std::string::npos) << r.out;
}

TEST(CliInterruptTest, BenchBugsWritesTheRowsSoFarAndExits3) {
  const std::string out = TempDir("bench_int");
  const CommandResult r = InterruptAt({"bench-bugs", "--backend", "mutex", "--scenario", "mixed-ops", "--cap", "100000000",
                                       "--out", out, "--no-progress"},
                                      "mapfault bench-bugs:");
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_TRUE(nlohmann::json::accept(ReadFile(out + "/bench.json"))) << r.err;
}

}  // namespace
}  // namespace mapfault
