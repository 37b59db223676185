// Golden files lock the report formats: the console report and results.json of a fixed-seed run, and
// the failure report of a fixed replay. Set MAPFAULT_UPDATE_GOLDEN=1 to rewrite them after an
// intended format change (and review the diff).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/cli_util.h"
#include "tests/golden_util.h"

namespace mapfault {
namespace {

// A crash finding's stack names source lines, which move with every edit of those files: masked.
std::string MaskStackLines(std::string text) {
  text = std::regex_replace(text, std::regex(R"((\.(?:h|cc|hpp)):[0-9]+)"), "$1:<line>");
  return std::regex_replace(text, std::regex(R"("line": [0-9]+)"), R"("line": <line>)");
}

// Run-to-run noise (wall time) and the mapfault version are masked; everything else must match byte for byte.
std::string Normalize(std::string text) {
  text = std::regex_replace(text, std::regex(R"(in [0-9]+\.[0-9]s)"), "in <time>s");
  text = std::regex_replace(text, std::regex(R"("(worker_)?seconds": [0-9.e+-]+)"),
                            R"("$1seconds": <time>)");
  text = std::regex_replace(text, std::regex(R"("phase_seconds": \{[^}]*\})"),
                            R"("phase_seconds": <phases>)");
  text = std::regex_replace(text, std::regex(R"("mapfault_version": "[^"]*")"),
                            R"("mapfault_version": <version>)");
  text = std::regex_replace(text, std::regex(R"(reports written to [^\n]*)"),
                            "reports written to <dir>");
  // go_checked's crash follows a poisoned pointer: whether the kernel reports it as SIGSEGV or
  // SIGBUS depends on the address (the poison value plus a field's offset, which moves with node
  // layouts; this VM's kernel reports some as SIGBUS). The finding is the same: one name.
  text = std::regex_replace(text, std::regex(R"(SIGBUS \(Bus error\))"),
                            "SIGSEGV (Segmentation fault)");
  return MaskStackLines(text);
}

constexpr const char* kRun =
    "run --seed 7 --jobs 1 --trials 400 --backend mutex --backend mutant.mutex_iter_unlocked "
    "--backend go_checked --scenario iterate-while-grow --scenario mixed-ops --no-progress ";

TEST(GoldenTest, ConsoleReport) {
  const std::string out = TempDir("golden_console");
  const CommandResult r = RunMapfault(std::string(kRun) + "--out " + out);
  EXPECT_EQ(r.status, 1);
  ExpectGolden("run_console.txt", Normalize(r.out));
}

TEST(GoldenTest, ResultsJson) {
  const std::string out = TempDir("golden_json");
  const CommandResult r = RunMapfault(std::string(kRun) + "--out " + out);
  EXPECT_EQ(r.status, 1);
  ExpectGolden("run_results.json", Normalize(ReadFile(out + "/results.json")));
}

TEST(GoldenTest, ReplayFailureReport) {
  const std::string out = TempDir("golden_replay");
  const CommandResult run = RunMapfault(std::string(kRun) + "--out " + out);
  const std::string token = FirstReplayToken(run.out);
  ASSERT_FALSE(token.empty());
  const CommandResult r = RunMapfault("replay " + token);
  EXPECT_EQ(r.status, 1);
  ExpectGolden("replay_report.txt", MaskStackLines(r.out));
}

}  // namespace
}  // namespace mapfault
