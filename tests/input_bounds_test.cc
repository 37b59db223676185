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

void ExpectOneLineError(const std::string& args, const std::string& fragment) {
  const CommandResult r = RunMapfault(args);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "raw ESC: " << r.err;
}

TEST(InputBoundsTest, CraftedTokensAreUsageErrors) {
  ExpectOneLineError(std::string("replay ") + kThreadsZero, "out of range");
  ExpectOneLineError(std::string("shrink ") + kKeysNearIntMax, "out of range");
}

TEST(InputBoundsTest, ReplayReadsATokenFromAFile) {
  const std::string path = TempDir("token-file") + "/token.txt";
  std::ofstream(path) << kThreadsZero << "\n";
  ExpectOneLineError("replay @" + path, "out of range");  // read, decoded, rejected
  ExpectOneLineError("replay @" + path + ".missing", "cannot read the token file");
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
  ExpectOneLineError("replay " + out + "/results.json#nosuchsuffix", "no finding's token ends in");
  ExpectOneLineError("replay " + out + "/missing.json#abcdefgh", "cannot read it");
}

// `--strategy stress --mode controlled` blamed a perturbed-only backend of the default suite.
TEST(InputBoundsTest, AControlledRunOfAPerturbedStrategyNamesTheStrategy) {
  ExpectOneLineError("run --strategy stress --mode controlled",
                     "strategy 'stress' drives perturbed mode (real threads) only");
  ExpectOneLineError("run --mode controlled", "suite 'default' includes backend");
}

TEST(InputBoundsTest, OutOfRangeNumbersAreUsageErrors) {
  ExpectOneLineError("run --seed -1", "not a seed");
  ExpectOneLineError("run --seed 18446744073709551616", "not a seed");
  ExpectOneLineError("run --time-budget nan", "not a finite number");
  ExpectOneLineError("run --watchdog inf", "a finite number > 0");
  ExpectOneLineError("check --backend naive --growth nan", "not a finite number");
}

TEST(InputBoundsTest, AnUnboundedScenarioFileIsRefused) {
  ExpectOneLineError("run --file /dev/zero", "larger than 1 MiB");
}

TEST(InputBoundsTest, ControlBytesAreEscapedInErrors) {
  ExpectOneLineError("run --backend \"$(printf 'evil\\033[31m\\nline')\"",
                     "unknown backend 'evil\\x1b[31m\\nline'");
}

}  // namespace
}  // namespace mapfault
