// Command-line contract tests: the real `mapfault` binary, its exit statuses, its one-line errors for
// bad input, its reports and its replay lines.
#include "tests/cli_util.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "harness/types.h"
#include "nlohmann/json.hpp"

namespace mapfault {
namespace {

void ExpectUsageError(const std::string& args, const std::string& fragment) {
  const CommandResult r = RunMapfault(args);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
}

TEST(CliTest, UnknownBackendNamesTheValidOnes) {
  ExpectUsageError("run --backend nosuch", "unknown backend 'nosuch'; valid backends: naive");
}

TEST(CliTest, UnknownScenarioNamesTheValidOnes) {
  ExpectUsageError("run --scenario nosuch", "valid scenarios: range-erase-same-thread");
}

TEST(CliTest, UnknownStrategyNamesTheValidOnes) {
  ExpectUsageError("run --strategy dfs", "valid strategies are random, pct");
}

TEST(CliTest, BadFlagsAndValuesAreUsageErrors) {
  ExpectUsageError("run --no-such-flag", "--no-such-flag");
  ExpectUsageError("run --trials zero", "--trials");
  ExpectUsageError("run --mode sideways", "--mode");
  ExpectUsageError("list colours", "valid: backends, scenarios");
  ExpectUsageError("run --initial 9 --keys 3", "cannot exceed --keys");
  ExpectUsageError("", "");
}

TEST(CliTest, BadTokensAreUsageErrors) {
  ExpectUsageError("replay hello", "does not start with 'mf1_'");
  ExpectUsageError("replay mf1_AAAA", "malformed replay token");
  ExpectUsageError("replay mf9_AAAAAAAAAAAA", "version 9 is newer than this mapfault");
}

TEST(CliTest, TruncatedTokenFromARealRunIsAUsageError) {
  const std::string out = TempDir("trunc");
  const CommandResult run = RunMapfault(
      "run --backend mutant.mutex_iter_unlocked --scenario iterate-while-grow --trials 500 "
      "--seed 3 --no-progress --out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const std::string token = FirstReplayToken(run.out);
  ASSERT_FALSE(token.empty()) << run.out;
  ExpectUsageError("replay " + token.substr(0, token.size() - 4), "malformed replay token");
}

TEST(CliTest, SafeBackendRunExitsZeroAndWritesResultsJson) {
  const std::string out = TempDir("safe");
  const CommandResult r = RunMapfault(
      "run --backend mutex --scenario iterate-while-erase --trials 300 --seed 1 --no-progress "
      "--out " + out);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("mapfault replay"), std::string::npos);
  std::ifstream in(std::filesystem::path(out) / "results.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["schema_version"], 1);
  ASSERT_EQ(j["results"].size(), static_cast<size_t>(kInvariantCount));
  for (const auto& row : j["results"]) {
    EXPECT_EQ(row["backend"], "mutex");
    EXPECT_EQ(row["verdict"], "HOLDS");
    EXPECT_EQ(row["mode"], "controlled");
    EXPECT_EQ(row["strategy"], "random");
    EXPECT_EQ(row["trials"], 300);
    EXPECT_EQ(row["failures"], 0);
    EXPECT_TRUE(row["first_failure_trial"].is_null());
    EXPECT_TRUE(row["token"].is_null());
  }
}

TEST(CliTest, BreakPrintsAReplayLineThatReproduces) {
  const std::string out = TempDir("break");
  const CommandResult run = RunMapfault(
      "run --backend naive --scenario iterate-while-grow --trials 500 --seed 1 --no-progress "
      "--out " + out);
  ASSERT_EQ(run.status, 1) << run.err;
  const std::string token = FirstReplayToken(run.out);
  ASSERT_FALSE(token.empty()) << run.out;
  const CommandResult replay = RunMapfault("replay " + token);
  EXPECT_EQ(replay.status, 1) << replay.err;
  EXPECT_NE(replay.out.find("The following interleaving leads to the error"), std::string::npos);
  EXPECT_NE(replay.out.find(": reproduced"), std::string::npos) << replay.out;
  const CommandResult times = RunMapfault("replay " + token + " --times 5");
  EXPECT_EQ(times.status, 1);
  EXPECT_NE(times.out.find("reproduced 5/5"), std::string::npos) << times.out;
  EXPECT_NE(times.out.find("identical traces: 5/5"), std::string::npos) << times.out;
}

TEST(CliTest, ListPrintsJson) {
  const CommandResult r = RunMapfault("list --json");
  ASSERT_EQ(r.status, 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["backends"].size(), 7u);
  EXPECT_EQ(j["scenarios"].size(), 6u);
  EXPECT_EQ(j["invariants"].size(), static_cast<size_t>(kInvariantCount));
  for (const auto& b : j["backends"]) EXPECT_NE(b["id"].get<std::string>().rfind("test.", 0), 0u);
}

}  // namespace
}  // namespace mapfault
