// Golden files lock the report formats: the console report and results.json of a fixed-seed run, and
// the failure report of a fixed replay. Set MAPFAULT_UPDATE_GOLDEN=1 to rewrite them after an
// intended format change (and review the diff).
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "gtest/gtest.h"
#include "tests/cli_util.h"

namespace mapfault {
namespace {

// Run-to-run noise (wall time) is masked; everything else must match byte for byte.
std::string Normalize(std::string text) {
  text = std::regex_replace(text, std::regex(R"(in [0-9]+\.[0-9]s)"), "in <time>s");
  text = std::regex_replace(text, std::regex(R"("(worker_)?seconds": [0-9.e+-]+)"),
                            R"("$1seconds": <time>)");
  text = std::regex_replace(text, std::regex(R"(reports written to [^\n]*)"),
                            "reports written to <dir>");
  return text;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
#if defined(MAPFAULT_ASAN) || defined(MAPFAULT_TSAN)
  // The golden files describe the normal build: under a sanitizer a crash is reported by the
  // sanitizer, so the texts legitimately differ. The normal build checks them.
  GTEST_SKIP() << "golden files are checked in the non-sanitizer build";
#endif
  const std::filesystem::path path = std::filesystem::path(MAPFAULT_GOLDEN_DIR) / name;
  if (std::getenv("MAPFAULT_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual;
    GTEST_SKIP() << "golden file " << path << " rewritten";
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing; run with "
                                             << "MAPFAULT_UPDATE_GOLDEN=1 to create it";
  const std::string expected = ReadFile(path);
  if (expected == actual) return;
  // Report the first differing line rather than two whole files.
  std::istringstream want(expected), got(actual);
  std::string a, b;
  int line = 1;
  while (std::getline(want, a) && std::getline(got, b) && a == b) ++line;
  ADD_FAILURE() << "report format changed at line " << line << " of " << path << "\n  expected: "
                << a << "\n  actual:   " << b
                << "\n(rerun with MAPFAULT_UPDATE_GOLDEN=1 if the change is intended)";
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
  ExpectGolden("replay_report.txt", r.out);
}

}  // namespace
}  // namespace mapfault
