// Hostile input on the command line: crafted tokens, out-of-range values, huge files and control
// bytes each get exit status 2 and one line on stderr.
#include "tests/cli_util.h"

#include <algorithm>
#include <fstream>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

constexpr char kThreadsZero[] =
    "mf1_ABNpdGVyYXRlLXdoaWxlLWVyYXNlAAgGBAVuYWl2ZQADxbat_rOFytRfoJwBAACwp_-Q";
constexpr char kKeysNearIntMax[] =
    "mf1_ABNpdGVyYXRlLXdoaWxlLWVyYXNlAv____8HBgQFbmFpdmUAA8W2rf6zhcrUX6CcAQAALyRmGA";

TEST(InputBoundsTest, CraftedTokensAreUsageErrors) {
  ExpectUsageError(std::string("replay ") + kThreadsZero, "out of range");
  ExpectUsageError(std::string("shrink ") + kKeysNearIntMax, "out of range");
}

TEST(InputBoundsTest, ReplayReadsATokenFromAFile) {
  const std::string path = TempDir("token-file") + "/token.txt";
  std::ofstream(path) << kThreadsZero << "\n";
  ExpectUsageError("replay @" + path, "out of range");  // read, decoded, rejected
  ExpectUsageError("replay @" + path + ".missing", "cannot read the token file");
}

TEST(InputBoundsTest, ReplayTakesAFindingOfAResultsFile) {
  const std::string out = TempDir("results-ref");
  const CommandResult run = RunMapfault(
      "run --backend mutant.mutex_iter_unlocked --scenario iterate-while-grow --trials 500 "
      "--seed 3 --no-progress --out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const std::string token = FirstReplayToken(run.out);
  ASSERT_GT(token.size(), 16u) << run.out;
  const CommandResult by_ref =
      RunMapfault("replay " + out + "/results.json#" + token.substr(token.size() - 16));
  EXPECT_EQ(by_ref.status, 1) << by_ref.err;  // the same trial breaks again
  const CommandResult direct = RunMapfault("replay " + token);
  EXPECT_EQ(by_ref.out, direct.out);
  ExpectUsageError("replay " + out + "/results.json#nosuchsuffix", "no finding's token ends in");
  ExpectUsageError("replay " + out + "/missing.json#abcdefgh", "cannot read it");
}

// `--strategy stress --mode controlled` blamed a perturbed-only backend of the default suite.
TEST(InputBoundsTest, AControlledRunOfAPerturbedStrategyNamesTheStrategy) {
  ExpectUsageError("run --strategy stress --mode controlled",
                     "strategy 'stress' drives perturbed mode (real threads) only");
  ExpectUsageError("run --mode controlled", "suite 'default' includes backend");
}

TEST(InputBoundsTest, OutOfRangeNumbersAreUsageErrors) {
  ExpectUsageError("run --seed -1", "not a seed");
  ExpectUsageError("run --seed 18446744073709551616", "not a seed");
  ExpectUsageError("run --time-budget nan", "not a finite number");
  ExpectUsageError("run --watchdog inf", "a finite number > 0");
  ExpectUsageError("check --backend naive --growth nan", "not a finite number");
}

TEST(InputBoundsTest, AnUnboundedScenarioFileIsRefused) {
  ExpectUsageError("run --file /dev/zero", "larger than 1 MiB");
}

TEST(InputBoundsTest, ControlBytesAreEscapedInErrors) {
  ExpectUsageError("run --backend \"$(printf 'evil\\033[31m\\nline')\"",
                     "unknown backend 'evil\\x1b[31m\\nline'");
}

}  // namespace
}  // namespace mapfault
