// Sharding and merging: the shards of a run, merged (through results.json), equal the unsharded run
// for a fixed seed; slices cover every trial exactly once. An exhaustive run's shards (through the
// command line) split every program's schedule tree and merge into the unsharded run's coverage.
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli_util.h"
#include "harness/run/supervisor.h"
#include "maps/builtin_backends.h"
#include "reports/json_report.h"
#include "harness/run/merge.h"

namespace mapfault {
namespace {

std::vector<CellSpec> Cells() {
  std::vector<CellSpec> cells;
  for (auto [b, s] : {std::pair{"mutex", "mixed-ops"},
                      std::pair{"mutant.mutex_iter_unlocked", "iterate-while-grow"},
                      std::pair{"naive", "iterate-while-erase"},
                      std::pair{"collect_then_delete", "conditional-erase"}}) {
    CellSpec c;
    c.backend = GlobalBackends().Find(b);
    c.scenario = ScenarioRegistry::Builtin().Find(s);
    c.params = c.scenario->defaults;
    c.trials = 700;  // naive dies in ~12% of these: well under the early-stop threshold
    cells.push_back(c);
  }
  return cells;
}

RunResults RunShard(int index, int count) {
  SupervisorOptions o;
  o.seed = 4711;
  o.jobs = 2;
  o.shard_index = index;
  o.shard_count = count;
  return RunCells(Cells(), o);
}

TEST(ShardTest, SlicesCoverEveryTrialOnce) {
  for (uint64_t trials : {0u, 1u, 7u, 700u, 10001u}) {
    for (int n : {1, 2, 3, 8}) {
      uint64_t next = 0;
      for (int i = 0; i < n; ++i) {
        const ShardSlice s = SliceForShard(trials, i, n);
        EXPECT_EQ(s.begin, next);
        next = s.end;
      }
      EXPECT_EQ(next, trials);
    }
  }
}

TEST(ShardTest, MergedShardsEqualTheUnshardedRun) {
  const RunResults whole = RunShard(0, 1);
  std::vector<RunResults> shards;
  for (int i = 0; i < 3; ++i) {
    // Through the file format, as `mapfault merge` does.
    auto parsed = ResultsFromJson(ResultsToJson(RunShard(i, 3)));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    shards.push_back(*parsed);
  }
  const auto merged = MergeResults(shards);
  ASSERT_TRUE(merged.ok()) << merged.status();
  ASSERT_EQ(merged->cells.size(), whole.cells.size());
  bool any_failure = false;
  for (size_t c = 0; c < whole.cells.size(); ++c) {
    const CellResult& a = whole.cells[c];
    const CellResult& b = merged->cells[c];
    EXPECT_EQ(a.backend, b.backend);
    EXPECT_EQ(a.scenario, b.scenario);
    EXPECT_EQ(a.trials, b.trials);
    EXPECT_EQ(a.trials_planned, b.trials_planned);
    for (int i = 0; i < kInvariantCount; ++i) {
      const InvariantResult& x = a.invariants[i];
      const InvariantResult& y = b.invariants[i];
      SCOPED_TRACE(a.backend + " " + a.scenario + " " +
                   std::string(InvariantId(static_cast<Invariant>(i))));
      EXPECT_EQ(x.verdict, y.verdict);
      EXPECT_EQ(x.evaluated, y.evaluated);
      EXPECT_EQ(x.failures, y.failures);
      EXPECT_EQ(x.first_failure_trial, y.first_failure_trial);
      EXPECT_EQ(x.token, y.token);
      EXPECT_EQ(x.explanation, y.explanation);
      EXPECT_EQ(x.evidence, y.evidence);
      any_failure |= x.failures > 0;
    }
  }
  EXPECT_TRUE(any_failure);  // the comparison covered findings, not only HOLDS
  EXPECT_EQ(merged->ExitCode(), whole.ExitCode());
}

// `mapfault run --strategy exhaustive:pb=2 --shard I/3` three times and `mapfault merge`: the same
// coverage numbers as the unsharded run (programs are not summed, schedules are, exactly).
TEST(ShardTest, ExhaustiveShardsThroughTheCliMergeIntoTheUnshardedCoverage) {
  const std::string base = TempDir("tree_shards");
  const std::string args =
      "run --seed 5 --trials 3 --backend mutex --scenario iterate-while-erase "
      "--scenario mixed-ops --strategy exhaustive:pb=2 --no-progress --jobs 1 ";
  const CommandResult whole = RunMapfault(args + "--out " + base + "/whole");
  ASSERT_EQ(whole.status, 0) << whole.err;
  std::string dirs;
  for (int i = 0; i < 3; ++i) {
    const std::string dir = base + "/s" + std::to_string(i);
    const CommandResult shard =
        RunMapfault(args + "--shard " + std::to_string(i) + "/3 --out " + dir);
    ASSERT_EQ(shard.status, 0) << shard.err;
    EXPECT_NE(shard.out.find("in shard " + std::to_string(i) +
                             "/3 of each program's schedule tree"),
              std::string::npos)
        << shard.out;
    dirs += dir + " ";
  }
  const CommandResult merged = RunMapfault("merge " + dirs + "--out " + base + "/merged");
  ASSERT_EQ(merged.status, 0) << merged.err;
  const auto coverage = [](const std::string& file) {
    return nlohmann::json::parse(ReadFile(file))["results"];
  };
  const nlohmann::json a = coverage(base + "/whole/results.json");
  const nlohmann::json b = coverage(base + "/merged/results.json");
  ASSERT_EQ(a.size(), b.size());
  uint64_t schedules = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const nlohmann::json& x = a[i]["coverage"];
    const nlohmann::json& y = b[i]["coverage"];
    for (const char* field : {"programs", "schedules", "complete", "programs_complete",
                              "bound_complete", "reduction"}) {
      EXPECT_EQ(x[field], y[field]) << field << " of " << a[i]["scenario"];
    }
    EXPECT_EQ(y["tree_shards"], 3);
    EXPECT_TRUE(y["tree_shard"].is_null());
    EXPECT_EQ(b[i]["trials_run"], 3);
    EXPECT_EQ(a[i]["verdict"], b[i]["verdict"]);
    schedules += x["schedules"].get<uint64_t>();
  }
  EXPECT_EQ(a[0]["coverage"]["programs"], 3);
  EXPECT_TRUE(a[0]["coverage"]["complete"].get<bool>());
  EXPECT_GT(schedules, 100u);
  EXPECT_NE(ReadFile(base + "/merged/report.md").find("each program's schedule tree searched in 3 "
                                                     "shards"),
            std::string::npos);
}

TEST(ShardTest, MergeRefusesShardsOfDifferentRuns) {
  RunResults a, b;
  a.seed = 1;
  b.seed = 2;
  const auto merged = MergeResults({a, b});
  ASSERT_FALSE(merged.ok());
  EXPECT_NE(merged.status().message().find("different runs"), std::string::npos);
}

}  // namespace
}  // namespace mapfault

namespace mapfault {
namespace {

TEST(TimeBudgetTest, BudgetStopsTheRunAndSharesTrialsFairly) {
  std::vector<CellSpec> cells;
  for (const char* s : {"mixed-ops", "iterate-while-grow", "conditional-erase"}) {
    CellSpec c;
    c.backend = GlobalBackends().Find("mutex");
    c.scenario = ScenarioRegistry::Builtin().Find(s);
    c.params = c.scenario->defaults;
    c.trials = 100000000;  // far more than the budget allows
    cells.push_back(c);
  }
  SupervisorOptions o;
  o.seed = 3;
  o.jobs = 2;
  o.batch = 10;  // small batches: many rounds fit in the budget even in a sanitizer build
  o.time_budget_seconds = 0.5;
  const RunResults r = RunCells(cells, o);
  EXPECT_TRUE(r.partial);
  uint64_t least = ~uint64_t{0}, most = 0;
  for (const CellResult& c : r.cells) {
    EXPECT_LT(c.trials, c.trials_planned);
    least = std::min(least, c.trials);
    most = std::max(most, c.trials);
  }
  // Batches go round robin over the cells: no cell is more than a round of batches ahead.
  EXPECT_GT(least, 0u);
  EXPECT_LE(most - least, 2 * o.batch);
}

}  // namespace
}  // namespace mapfault
