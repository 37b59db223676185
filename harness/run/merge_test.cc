// Merge integrity: shards are added up only when they make up one run exactly once (same seed, plan
// and version, shards I/N of one N, none twice, none missing unless allowed). Tree shards of an
// exhaustive cell add their schedules up but not their programs.
#include "harness/run/merge.h"

#include <string>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

// Shard `index` of `count` of a one-cell run of 400 trials, its slice all HOLDS.
RunResults Shard(int index, int count, std::string plan = "00000000000000aa") {
  RunResults r;
  r.seed = 42;
  r.run.version = "0.1.0";
  r.run.plan = std::move(plan);
  r.run.shard_index = index;
  r.run.shard_count = count;
  CellResult c;
  c.backend = "naive";
  c.scenario = "iterate-while-erase";
  c.trials = c.trials_planned = 400 / count;
  c.invariants[0].evaluated = c.trials;
  c.invariants[0].verdict = Verdict::kHolds;
  r.cells.push_back(c);
  return r;
}

std::string MergeError(const std::vector<RunResults>& shards, const MergeOptions& options = {}) {
  const absl::StatusOr<RunResults> merged = MergeResults(shards, options);
  return merged.ok() ? "merged" : std::string(merged.status().message());
}

TEST(MergeTest, EveryShardOnceMergesComplete) {
  const absl::StatusOr<RunResults> merged = MergeResults({Shard(1, 2), Shard(0, 2)});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_FALSE(merged->partial);
  EXPECT_EQ(merged->cells[0].trials, 400u);
  EXPECT_EQ(merged->run.shard_count, 1);  // the whole run
  EXPECT_TRUE(merged->run.missing_shards.empty());
  EXPECT_EQ(merged->run.plan, "00000000000000aa");
}

TEST(MergeTest, PhaseSecondsAreSummedOverShards) {
  RunResults a = Shard(0, 2), b = Shard(1, 2);
  a.cells[0].worker_seconds = 2;
  a.cells[0].phase_seconds[Phase::kFork] = 0.5;
  a.cells[0].phase_seconds[Phase::kTrial] = 1.5;
  b.cells[0].worker_seconds = 3;
  b.cells[0].phase_seconds[Phase::kTrial] = 2.5;
  b.cells[0].phase_seconds[Phase::kWaiting] = 0.5;
  b.cells[0].phase_seconds[Phase::kReplays] = 1;
  const absl::StatusOr<RunResults> merged = MergeResults({a, b});
  ASSERT_TRUE(merged.ok()) << merged.status();
  const CellResult& c = merged->cells[0];
  EXPECT_EQ(c.worker_seconds, 5);
  EXPECT_EQ(c.phase_seconds[Phase::kFork], 0.5);
  EXPECT_EQ(c.phase_seconds[Phase::kTrial], 4);
  EXPECT_EQ(c.phase_seconds[Phase::kWaiting], 0.5);
  EXPECT_EQ(c.phase_seconds[Phase::kReplays], 1);
  EXPECT_EQ(c.phase_seconds.Total(), 6);
}

TEST(MergeTest, WatchdogCutsAndOverrunsAreSummedAndTheLongestLimitsKept) {
  RunResults a = Shard(0, 2), b = Shard(1, 2);
  a.cells[0].watchdog_cuts = 2;
  a.cells[0].adaptive_watchdog_seconds = 0.5;
  a.cells[0].watchdog_overruns = 1;
  a.cells[0].overrun_replay_seconds = 2;
  b.cells[0].watchdog_cuts = 1;
  b.cells[0].adaptive_watchdog_seconds = 0.25;
  b.cells[0].watchdog_overruns = 2;
  b.cells[0].overrun_replay_seconds = 3;
  const absl::StatusOr<RunResults> merged = MergeResults({a, b});
  ASSERT_TRUE(merged.ok()) << merged.status();
  const CellResult& c = merged->cells[0];
  EXPECT_EQ(c.watchdog_cuts, 3u);
  EXPECT_EQ(c.adaptive_watchdog_seconds, 0.5);
  EXPECT_EQ(c.watchdog_overruns, 3u);
  EXPECT_EQ(c.overrun_replay_seconds, 3);
}

TEST(MergeTest, TheSameShardTwiceIsRefused) {
  EXPECT_EQ(MergeError({Shard(0, 2), Shard(0, 2)}, {false, {"s0/results.json", "s0/results.json"}}),
            "shard 0/2 is given twice (s0/results.json and s0/results.json); give each shard once");
  // --allow-partial allows missing shards, never double-counted ones.
  EXPECT_NE(MergeError({Shard(0, 2), Shard(0, 2)}, {true, {}}).find("given twice"),
            std::string::npos);
}

TEST(MergeTest, AMissingShardIsRefusedUnlessAllowed) {
  EXPECT_NE(MergeError({Shard(0, 3), Shard(2, 3)}).find("shard 1/3 of the run missing"),
            std::string::npos);
  const absl::StatusOr<RunResults> partial = MergeResults({Shard(0, 3)}, {true, {}});
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_TRUE(partial->partial);
  EXPECT_EQ(partial->run.missing_shards, (std::vector<std::string>{"1/3", "2/3"}));
  EXPECT_EQ(partial->cells[0].trials, 133u);
}

TEST(MergeTest, ShardsOfDifferentSplitsOrPlansAreRefused) {
  EXPECT_NE(MergeError({Shard(0, 2), Shard(1, 3)}).find("is shard 1/3 but shard 0 is shard 0/2"),
            std::string::npos);
  // A whole run plus a shard of it.
  EXPECT_NE(MergeError({Shard(0, 1), Shard(1, 2)}).find("is shard 1/2 but"), std::string::npos);
  EXPECT_NE(MergeError({Shard(0, 2), Shard(1, 2, "00000000000000bb")}).find("different runs"),
            std::string::npos);
  RunResults other_version = Shard(1, 2);
  other_version.run.version = "0.2.0";
  EXPECT_NE(MergeError({Shard(0, 2), other_version}).find("mapfault 0.2.0 and 0.1.0"),
            std::string::npos);
  // Mismatches are refused even with --allow-partial: the totals would be wrong, not incomplete.
  EXPECT_NE(MergeError({Shard(0, 2), Shard(1, 3)}, {true, {}}), "merged");
}

TEST(MergeTest, ResultsWithoutIdentityMergeOnlyAsPartial) {
  RunResults legacy = Shard(0, 1);
  legacy.run = RunIdentity{};  // a results.json written before the run identity
  EXPECT_NE(MergeError({legacy}).find("records no run identity"), std::string::npos);
  const absl::StatusOr<RunResults> merged = MergeResults({legacy}, {true, {}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_TRUE(merged->partial);
}

TEST(MergeTest, ExhaustiveCoverageIsSummedAndCompleteOnlyWhenEveryShardIs) {
  RunResults a = Shard(0, 2), b = Shard(1, 2);
  for (RunResults* r : {&a, &b}) {
    Coverage& c = r->cells[0].coverage;
    c.kind = Coverage::Kind::kExhaustive;
    c.preemption_bound = 2;
    c.programs = c.programs_complete = 200;
    c.schedules = 1000;
    c.bound_complete = 2;
    c.complete = true;
  }
  b.cells[0].coverage.programs_complete = 199;
  b.cells[0].coverage.bound_complete = 1;
  b.cells[0].coverage.complete = false;
  const absl::StatusOr<RunResults> merged = MergeResults({a, b});
  ASSERT_TRUE(merged.ok()) << merged.status();
  const Coverage& c = merged->cells[0].coverage;
  EXPECT_EQ(c.kind, Coverage::Kind::kExhaustive);
  EXPECT_EQ(c.programs, 400u);
  EXPECT_EQ(c.programs_complete, 399u);
  EXPECT_EQ(c.schedules, 2000u);
  EXPECT_EQ(c.bound_complete, 1);
  EXPECT_FALSE(c.complete);
}

TEST(MergeTest, SampledCoverageSumsDistinctSchedulesAndKeepsTheWeakestPctBound) {
  RunResults a = Shard(0, 2), b = Shard(1, 2);
  a.cells[0].coverage.distinct_schedules = 150;
  a.cells[0].coverage.pct_bound = 0.01;
  b.cells[0].coverage.distinct_schedules = 180;
  b.cells[0].coverage.pct_bound = 0.005;
  const absl::StatusOr<RunResults> merged = MergeResults({a, b});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->cells[0].coverage.distinct_schedules, 330u);
  EXPECT_EQ(merged->cells[0].coverage.pct_bound, 0.005);
}

// Tree shards of an exhaustive cell (`tree_shards`): every shard ran all 50 programs, each its part
// of every program's schedule tree.
RunResults TreeShard(int index, int count) {
  RunResults r = Shard(index, count);
  CellResult& c = r.cells[0];
  c.strategy = "exhaustive:pb=2";
  c.trials = c.trials_planned = 50;
  c.invariants[0].evaluated = 50;
  Coverage& cov = c.coverage;
  cov.kind = Coverage::Kind::kExhaustive;
  cov.preemption_bound = 2;
  cov.programs = cov.programs_complete = 50;
  cov.schedules = 1000 + static_cast<uint64_t>(index);
  cov.bound_complete = 2;
  cov.complete = true;
  cov.tree_shards = count;
  cov.tree_shard = index;
  return r;
}

TEST(MergeTest, TreeShardsSumSchedulesButNotPrograms) {
  absl::StatusOr<RunResults> merged = MergeResults({TreeShard(2, 3), TreeShard(0, 3),
                                                    TreeShard(1, 3)});
  ASSERT_TRUE(merged.ok()) << merged.status();
  const CellResult& c = merged->cells[0];
  EXPECT_EQ(c.trials, 50u);
  EXPECT_EQ(c.trials_planned, 50u);
  EXPECT_EQ(c.invariants[0].evaluated, 50u);
  EXPECT_EQ(c.coverage.programs, 50u);
  EXPECT_EQ(c.coverage.programs_complete, 50u);
  EXPECT_EQ(c.coverage.schedules, 3003u);
  EXPECT_TRUE(c.coverage.complete);
  EXPECT_EQ(c.coverage.tree_shards, 3);
  EXPECT_EQ(c.coverage.tree_shard, -1);
  // A program is fully explored only when every shard explored its part: of 50, shards that
  // completed 48 and 49 leave at least 47 complete in both.
  RunResults a = TreeShard(0, 3), b = TreeShard(1, 3), d = TreeShard(2, 3);
  a.cells[0].coverage.programs_complete = 48;
  b.cells[0].coverage.programs_complete = 49;
  b.cells[0].coverage.bound_complete = 1;
  a.cells[0].coverage.complete = b.cells[0].coverage.complete = false;
  merged = MergeResults({a, b, d});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->cells[0].coverage.programs_complete, 47u);
  EXPECT_EQ(merged->cells[0].coverage.bound_complete, 1);
  EXPECT_FALSE(merged->cells[0].coverage.complete);
  // A missing shard's parts were never searched: nothing is fully explored.
  merged = MergeResults({TreeShard(0, 3), TreeShard(2, 3)}, {true, {}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_TRUE(merged->partial);
  EXPECT_FALSE(merged->cells[0].coverage.complete);
  EXPECT_EQ(merged->cells[0].coverage.programs_complete, 0u);
  EXPECT_EQ(merged->cells[0].coverage.bound_complete, -1);
}

// Tree shards that failed in the same (earliest) program: the failure with the fewest
// preemptions is the merged one, a tie goes to the lowest shard, an earlier program wins first.
TEST(MergeTest, TreeShardsFailuresInOneProgramKeepTheFewestPreemptions) {
  const auto failing = [](int index, uint64_t trial, int preemptions) {
    RunResults r = TreeShard(index, 3);
    InvariantResult& f = r.cells[0].invariants[0];
    f.verdict = Verdict::kBroken;
    f.failures = 1;
    f.first_failure_trial = trial;
    f.preemptions = preemptions;
    f.token = "mf1_shard" + std::to_string(index);
    r.cells[0].coverage.complete = false;
    return r;
  };
  const auto first = [](const std::vector<RunResults>& shards) {
    const absl::StatusOr<RunResults> merged = MergeResults(shards);
    return merged.ok() ? merged->cells[0].invariants[0].token : merged.status().ToString();
  };
  EXPECT_EQ(first({failing(0, 3, 2), failing(1, 3, 1), TreeShard(2, 3)}), "mf1_shard1");
  EXPECT_EQ(first({failing(2, 3, 1), failing(0, 3, 2), failing(1, 3, 1)}), "mf1_shard1");
  EXPECT_EQ(first({failing(0, 3, 2), failing(1, 5, 0), failing(2, 3, -1)}), "mf1_shard0");
  EXPECT_EQ(first({failing(0, 4, 0), failing(1, 5, 0), failing(2, 2, 2)}), "mf1_shard2");
}

}  // namespace
}  // namespace mapfault
