// Tests of the bounded-exhaustive search through the run stage: it finds known bugs with the
// fewest preemptions, certifies correct backends within the bound, its counterexamples' tokens
// replay exactly in a fresh worker, a crash is attributed to its program, a budget stops it
// incomplete, and every run's results carry coverage (exhaustive and sampled) that merges. With
// partial-order reduction (the default) it finds every mutant the unreduced search finds, with the
// same fewest preemptions, never breaks a correct backend, and says so in its coverage. Tree
// shards (--shard I/N) split each program's search into disjoint parts whose union is the unsharded
// search, find its fewest preemptions, and merge into its coverage.
#include "harness/run/exhaustive_search.h"

#include <algorithm>
#include <climits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/run/merge.h"
#include "harness/run/replay.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "harness/run/worker.h"
#include "harness/strategies/exhaustive_strategy.h"
#include "maps/builtin_backends.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

TrialSpec Spec(const std::string& backend, const std::string& scenario, const std::string& strategy,
               uint64_t seed) {
  testing::RegisterTestBackends();
  TrialSpec spec;
  spec.backend = GlobalBackends().Find(backend);
  spec.scenario = ScenarioRegistry::Builtin().Find(scenario);
  spec.params = spec.scenario->defaults;
  spec.strategy = *StrategySpec::Parse(strategy);
  spec.seed = seed;
  return spec;
}

CellSpec Cell(const std::string& backend, const std::string& scenario, const std::string& strategy,
              uint64_t trials) {
  CellSpec cell;
  cell.identity() = Spec(backend, scenario, strategy, 0).identity();
  cell.trials = trials;
  return cell;
}

// Naive's race needs no preemption (serial runs race: nothing orders the threads at all).
TEST(ExhaustiveSearchTest, FindsNaivesDataRaceWithoutAPreemption) {
  const IsolatedOutcome found =
      RunTrialIsolated(Spec("naive", "iterate-while-erase", "exhaustive:pb=3", 11), 30);
  ASSERT_FALSE(found.AllViolations().empty()) << found.detail;
  EXPECT_EQ(found.AllViolations()[0].invariant, Invariant::kNoDataRace);
  EXPECT_EQ(found.preemptions, 0);
}

TrialSpec WithoutRaceDetection(TrialSpec spec) {
  spec.strategy.race_detection = false;
  return spec;
}

// The crash behind the race (race detection off) may kill the process: each search runs in a
// fresh worker.
TEST(ExhaustiveSearchTest, FindsNaivesIterateWhileEraseBugWithTheFewestPreemptions) {
  const IsolatedOutcome found = RunTrialIsolated(
      WithoutRaceDetection(Spec("naive", "iterate-while-erase", "exhaustive:pb=3", 11)), 30);
  ASSERT_FALSE(found.AllViolations().empty()) << found.detail;
  ASSERT_GT(found.preemptions, 0) << "the bug needs a preemption";
  EXPECT_LE(found.preemptions, 3);
  // No schedule with fewer preemptions fails: a search bounded one lower finds nothing.
  const IsolatedOutcome below = RunTrialIsolated(
      WithoutRaceDetection(Spec("naive", "iterate-while-erase",
                                "exhaustive:pb=" + std::to_string(found.preemptions - 1), 11)),
      30);
  EXPECT_EQ(below.kind, IsolatedOutcome::Kind::kCompleted) << below.detail;
  EXPECT_TRUE(below.AllViolations().empty()) << below.AllViolations()[0].explanation;
}

// mutant.cow_publish_early misses entries (no crash; race detection off, or its racy fill is the
// first finding): found with 2 preemptions on this program, none with fewer; the explanation
// says so.
TEST(ExhaustiveSearchTest, FindsAMutantWithTheFewestPreemptions) {
  const TrialResult r =
      RunExhaustiveSearch(WithoutRaceDetection(
          Spec("mutant.cow_publish_early", "snapshot-read", "exhaustive:pb=2", 4)));
  ASSERT_FALSE(r.violations.empty());
  EXPECT_EQ(r.violations[0].invariant, Invariant::kIterNoMissedStable);
  ASSERT_TRUE(r.search.has_value());
  EXPECT_FALSE(r.search->complete);
  ASSERT_GT(r.run.preemptions, 0);
  EXPECT_NE(r.violations[0].explanation.find(absl::StrCat(
                "exhaustive search: the first failing schedule of ", r.search->schedules, ", with ",
                r.run.preemptions, " preemption")),
            std::string::npos)
      << r.violations[0].explanation;
  const TrialResult below = RunExhaustiveSearch(
      WithoutRaceDetection(Spec("mutant.cow_publish_early", "snapshot-read",
                                "exhaustive:pb=" + std::to_string(r.run.preemptions - 1), 4)));
  EXPECT_TRUE(below.violations.empty()) << below.violations[0].explanation;
  ASSERT_TRUE(below.search.has_value());
  EXPECT_TRUE(below.search->complete);
  EXPECT_EQ(below.search->bound_complete, r.run.preemptions - 1);
  // The schedules of the lower bound all ran before the failing one.
  EXPECT_LT(below.search->schedules, r.search->schedules);
}

// With a search target the search passes over schedules that break only other invariants (the
// shrinker's bounded search seeks its case's invariant); the target's first schedule is the one the
// untargeted search stops at when that schedule breaks the target.
TEST(ExhaustiveSearchTest, ASearchTargetPassesOverOtherInvariants) {
  const TrialSpec spec = WithoutRaceDetection(
      Spec("mutant.cow_publish_early", "snapshot-read", "exhaustive:pb=2", 4));
  const TrialResult first = RunExhaustiveSearch(spec);
  ASSERT_FALSE(first.violations.empty());
  TrialSpec same = spec;
  same.search_target = first.violations[0].invariant;
  const TrialResult targeted = RunExhaustiveSearch(same);
  EXPECT_EQ(targeted.run.choices, first.run.choices);
  EXPECT_NE(targeted.violations[0].explanation.find(absl::StrCat(
                " schedules to break ", std::string(InvariantId(first.violations[0].invariant)),
                ", with ", first.run.preemptions)),
            std::string::npos)
      << targeted.violations[0].explanation;
  TrialSpec other = spec;
  other.search_target = Invariant::kNoCrash;  // no schedule crashes: every one is searched
  const TrialResult none = RunExhaustiveSearch(other);
  ASSERT_TRUE(none.search.has_value());
  EXPECT_TRUE(none.search->complete) << none.search->stopped;
  EXPECT_GT(none.search->schedules, first.search->schedules);
}

TEST(ExhaustiveSearchTest, CorrectBackendsHoldEveryScheduleWithOnePreemption) {
  for (const char* backend : {"mutex", "rwlock"}) {
    for (const char* scenario : {"iterate-while-erase", "iterate-while-grow", "mixed-ops"}) {
      for (uint64_t seed : {1, 2}) {
        const TrialResult r = RunExhaustiveSearch(Spec(backend, scenario, "exhaustive:pb=1", seed));
        EXPECT_TRUE(r.violations.empty())
            << backend << " / " << scenario << ": " << r.violations[0].explanation;
        ASSERT_TRUE(r.search.has_value());
        EXPECT_TRUE(r.search->complete) << backend << " / " << scenario << r.search->stopped;
        EXPECT_GT(r.search->schedules, 1u);
        EXPECT_GE(r.search->executions, r.search->schedules);
      }
    }
  }
}

TEST(ExhaustiveSearchTest, ACounterexamplesTokenReplaysItExactlyInAFreshWorker) {
  const TrialSpec spec = Spec("mutant.cow_publish_early", "mixed-ops", "exhaustive:pb=2", 4);
  const TrialResult r = RunExhaustiveSearch(spec);
  ASSERT_FALSE(r.violations.empty());
  const Invariant inv = r.violations[0].invariant;
  const std::string text = MakeToken(spec, inv, r.run.choices).Encode();
  const absl::StatusOr<ReplayToken> token = ReplayToken::Decode(text);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->strategy.kind, StrategyKind::kExhaustive);
  EXPECT_EQ(token->strategy.preemption_bound, 2);
  const absl::StatusOr<TrialSpec> replay = TrialSpecFromToken(*token);
  ASSERT_TRUE(replay.ok()) << replay.status();
  const IsolatedOutcome o = RunTrialIsolated(*replay, 10);
  ASSERT_EQ(o.kind, IsolatedOutcome::Kind::kCompleted) << o.detail;
  EXPECT_FALSE(o.diverged);
  EXPECT_EQ(o.choices, r.run.choices);
  EXPECT_EQ(o.preemptions, r.run.preemptions);
  EXPECT_EQ(o.steps, r.run.steps);
  bool again = false;
  for (const Violation& v : o.AllViolations()) again |= v.invariant == inv;
  EXPECT_TRUE(again);
}

TEST(ExhaustiveSearchTest, ABudgetStopsTheSearchIncomplete) {
  TrialSpec spec = Spec("mutex", "iterate-while-erase", "exhaustive:pb=2,max=7", 1);
  const TrialResult r = RunExhaustiveSearch(spec);
  ASSERT_TRUE(r.search.has_value());
  EXPECT_EQ(r.search->schedules, 7u);
  EXPECT_FALSE(r.search->complete);
  EXPECT_NE(r.search->stopped.find("--max-schedules"), std::string::npos);
}

TEST(ExhaustiveSearchTest, ACrashInASearchIsAttributedToItsProgramAndReplaysFromTheSeed) {
  const CellSpec cell = Cell("test.segfault", "iterate-while-erase", "exhaustive:pb=1", 6);
  SupervisorOptions options;
  options.seed = 5;
  options.jobs = 1;
  options.reproduction_replays = 0;
  testing::g_misbehave_seed = TrialSeed(5, CellKey("test.segfault", "iterate-while-erase"), 3);
  const RunResults results = RunCells({cell}, options);
  testing::g_misbehave_seed = 0;
  const CellResult& c = results.cells[0];
  EXPECT_EQ(c.trials, 6u);
  const InvariantResult& crash = c.invariants[static_cast<int>(Invariant::kNoCrash)];
  EXPECT_EQ(crash.failures, 1u);
  EXPECT_EQ(crash.first_failure_trial, 4u);
  EXPECT_TRUE(crash.confirmed);
  // The confirmation replay's trace gives the preemptions of the schedule the search died in.
  EXPECT_NE(crash.explanation.find("(exhaustive search: the schedule it died in has 0 preemptions"),
            std::string::npos)
      << crash.explanation;
  EXPECT_EQ(c.coverage.kind, Coverage::Kind::kExhaustive);
  EXPECT_EQ(c.coverage.programs, 6u);  // the crashed search counts, not fully explored
  EXPECT_EQ(c.coverage.programs_complete, 5u);
  EXPECT_FALSE(c.coverage.complete);
}

TEST(ExhaustiveSearchTest, AnExhaustiveCellsCoverageCountsEveryProgramsSchedules) {
  const CellSpec cell = Cell("mutex", "iterate-while-erase", "exhaustive:pb=1", 4);
  SupervisorOptions options;
  options.seed = 8;
  options.jobs = 2;
  options.batch = 1;
  const RunResults results = RunCells({cell}, options);
  uint64_t schedules = 0;
  for (uint64_t t = 0; t < 4; ++t) {
    schedules += RunExhaustiveSearch(SpecFor(cell, 8, t)).search->schedules;
  }
  const Coverage& c = results.cells[0].coverage;
  EXPECT_EQ(c.kind, Coverage::Kind::kExhaustive);
  EXPECT_EQ(c.preemption_bound, 1);
  EXPECT_EQ(c.programs, 4u);
  EXPECT_EQ(c.programs_complete, 4u);
  EXPECT_EQ(c.schedules, schedules);
  EXPECT_EQ(c.bound_complete, 1);
  EXPECT_TRUE(c.complete);
  EXPECT_EQ(results.ExitCode(), kExitHolds);
}

TEST(ExhaustiveSearchTest, MaxSchedulesMakesACellsCoverageIncomplete) {
  const CellSpec cell = Cell("mutex", "iterate-while-erase", "exhaustive:pb=2,max=10", 3);
  SupervisorOptions options;
  options.seed = 8;
  const Coverage c = RunCells({cell}, options).cells[0].coverage;
  EXPECT_EQ(c.programs, 3u);
  EXPECT_EQ(c.schedules, 30u);
  EXPECT_EQ(c.programs_complete, 0u);
  EXPECT_FALSE(c.complete);
  EXPECT_LT(c.bound_complete, 2);
}

TEST(ExhaustiveSearchTest, ASampledCellsCoverageCountsDistinctSchedulesAndPctsBound) {
  SupervisorOptions options;
  options.seed = 8;
  options.batch = 7;
  const RunResults results =
      RunCells({Cell("mutex", "iterate-while-erase", "pct:d=2", 60),
                Cell("mutex", "iterate-while-erase", "random", 60)},
               options);
  const Coverage& pct = results.cells[0].coverage;
  EXPECT_EQ(pct.kind, Coverage::Kind::kSampled);
  ASSERT_TRUE(pct.distinct_schedules.has_value());
  EXPECT_GT(*pct.distinct_schedules, 1u);
  EXPECT_LE(*pct.distinct_schedules, 60u);
  ASSERT_TRUE(pct.pct_bound.has_value());
  EXPECT_GT(*pct.pct_bound, 0);
  EXPECT_LT(*pct.pct_bound, 0.5);  // 1 / (n k^(d-1)) with n = 2 threads, k > 1 steps
  const Coverage& random = results.cells[1].coverage;
  ASSERT_TRUE(random.distinct_schedules.has_value());
  EXPECT_GT(*random.distinct_schedules, 30u);  // random walks rarely repeat
  EXPECT_FALSE(random.pct_bound.has_value());
}

TEST(ExhaustiveSearchTest, CoverageMergesBySumming) {
  Coverage a, b;
  a.kind = b.kind = Coverage::Kind::kExhaustive;
  a.preemption_bound = b.preemption_bound = 2;
  a.programs = 3, a.programs_complete = 3, a.schedules = 100, a.bound_complete = 2;
  a.complete = true;
  b.programs = 2, b.programs_complete = 1, b.schedules = 40, b.bound_complete = 1;
  b.complete = false;
  MergeCoverage(a, b);
  EXPECT_EQ(a.programs, 5u);
  EXPECT_EQ(a.programs_complete, 4u);
  EXPECT_EQ(a.schedules, 140u);
  EXPECT_EQ(a.bound_complete, 1);
  EXPECT_FALSE(a.complete);
  Coverage s, t;
  s.distinct_schedules = 10, t.distinct_schedules = 7;
  s.pct_bound = 0.01, t.pct_bound = 0.02;
  MergeCoverage(s, t);
  EXPECT_EQ(s.distinct_schedules, 17u);
  EXPECT_EQ(s.pct_bound, 0.01);
}

// Every mutant the unreduced search finds within 2 preemptions on its witness scenario, the reduced
// search finds too, with the same fewest preemptions (each search in a fresh worker: some mutants
// crash). Race detection on, as a run has it.
TEST(ExhaustiveSearchTest, ReductionFindsEveryMutantWithTheSameFewestPreemptions) {
  testing::RegisterTestBackends();
  int found = 0;
  for (const BackendInfo* b : GlobalBackends().Listed()) {
    if (b->id.rfind("mutant.", 0) != 0 || b->witness_scenario.empty()) continue;
    for (uint64_t seed : {1, 2}) {
      const TrialSpec full = Spec(b->id, b->witness_scenario, "exhaustive:pb=2,por=off", seed);
      const TrialSpec reduced = Spec(b->id, b->witness_scenario, "exhaustive:pb=2", seed);
      const IsolatedOutcome f = RunTrialIsolated(full, 60);
      const IsolatedOutcome r = RunTrialIsolated(reduced, 60);
      const std::string where = absl::StrCat(b->id, " / ", b->witness_scenario, " seed ", seed);
      ASSERT_EQ(f.AllViolations().empty(), r.AllViolations().empty()) << where;
      if (f.AllViolations().empty()) continue;
      ++found;
      EXPECT_EQ(r.preemptions, f.preemptions) << where;
      EXPECT_EQ(r.AllViolations()[0].invariant, f.AllViolations()[0].invariant) << where;
    }
  }
  EXPECT_GE(found, 10);  // most mutants are found by one of the two programs
}

// The correct white-box backends hold every schedule with <= 2 preemptions of a few programs of
// every scenario with reduction (a false BROKEN is the worst bug), in no more schedules than the
// unreduced search, and in fewer over all.
TEST(ExhaustiveSearchTest, ReductionNeverBreaksACorrectBackendAndRunsFewerSchedules) {
  uint64_t reduced_total = 0, full_total = 0;
  // Under TSan (5-10x slower) two of the five backends, so that the test fits ctest's timeout
  // (all five took 528 s there); the normal build checks all five.
  const std::vector<const char*> backends =
      kTsanBuild ? std::vector<const char*>{"mutex", "lockfree"}
                 : std::vector<const char*>{"mutex", "rwlock", "lockfree", "versioned_cas",
                                            "tombstone"};
  for (const char* backend : backends) {
    for (const Scenario& scenario : ScenarioRegistry::Builtin().All()) {
      if (scenario.visitor_writes && !GlobalBackends().Find(backend)->visitor_writes) continue;
      const TrialSpec spec = Spec(backend, scenario.id, "exhaustive:pb=2,max=3000", 3);
      const TrialResult r = RunExhaustiveSearch(spec);
      const std::string where = absl::StrCat(backend, " / ", scenario.id);
      EXPECT_TRUE(r.violations.empty()) << where << ": " << r.violations[0].explanation;
      ASSERT_TRUE(r.search.has_value());
      TrialSpec off = spec;
      off.strategy.reduction = false;
      const TrialResult f = RunExhaustiveSearch(off);
      ASSERT_TRUE(f.search.has_value());
      if (r.search->complete && f.search->complete) {
        EXPECT_LE(r.search->schedules, f.search->schedules) << where;
        reduced_total += r.search->schedules;
        full_total += f.search->schedules;
      }
    }
  }
  EXPECT_LT(reduced_total, full_total);
}

// A reduced search's counterexample is an ordinary schedule: its token replays it exactly; and a
// token of the unreduced search says so (a dead worker's token replays the same search).
TEST(ExhaustiveSearchTest, TokensCarryTheReductionAndReplayExactly) {
  TrialSpec spec = Spec("mutant.cow_publish_early", "mixed-ops", "exhaustive:pb=2", 4);
  const TrialResult r = RunExhaustiveSearch(spec);
  ASSERT_FALSE(r.violations.empty());
  const absl::StatusOr<ReplayToken> token =
      ReplayToken::Decode(MakeToken(spec, r.violations[0].invariant, r.run.choices).Encode());
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(token->strategy.reduction);
  const IsolatedOutcome o = RunTrialIsolated(*TrialSpecFromToken(*token), 10);
  EXPECT_FALSE(o.diverged);
  EXPECT_EQ(o.choices, r.run.choices);
  EXPECT_EQ(o.preemptions, r.run.preemptions);
  spec.strategy.reduction = false;
  const absl::StatusOr<ReplayToken> off =
      ReplayToken::Decode(MakeToken(spec, r.violations[0].invariant, {}).Encode());
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->strategy.reduction);
  EXPECT_EQ(off->strategy.preemption_bound, 2);
}

TEST(ExhaustiveSearchTest, CoverageSaysWhetherTheSearchWasReduced) {
  SupervisorOptions options;
  options.seed = 8;
  const RunResults results =
      RunCells({Cell("mutex", "iterate-while-erase", "exhaustive:pb=1", 2),
                Cell("mutex", "iterate-while-erase", "exhaustive:pb=1,por=off", 2),
                Cell("go_checked", "iterate-while-erase", "exhaustive:pb=1", 2)},
               options);
  EXPECT_TRUE(results.cells[0].coverage.reduced);
  EXPECT_FALSE(results.cells[1].coverage.reduced);
  EXPECT_FALSE(results.cells[2].coverage.reduced);  // not race_checked: unreduced
  // The same programs (trial seeds do not depend on the strategy), fewer schedules reduced.
  EXPECT_LT(results.cells[0].coverage.schedules, results.cells[1].coverage.schedules);
  EXPECT_TRUE(results.cells[0].coverage.complete);
}

// Every schedule a search (tree shard `shard` of `shards`) judges, not stopping at failures: its
// choices, and whether it failed.
std::map<std::vector<uint8_t>, bool> JudgedSchedules(TrialSpec spec, int shard, int shards) {
  spec.program = std::make_shared<const Program>(ProgramFor(spec));
  ExhaustiveStrategy strategy(spec.strategy.preemption_bound,
                              ExhaustiveReduces(spec.strategy, *spec.backend), shard, shards);
  std::map<std::vector<uint8_t>, bool> judged;
  do {
    const TrialResult r = RunControlledSchedule(spec, strategy);
    EXPECT_FALSE(strategy.diverged()) << strategy.Error();
    if (!strategy.IsNewSchedule()) continue;
    EXPECT_TRUE(judged.emplace(r.run.choices, !r.violations.empty()).second) << "twice";
  } while (strategy.Advance());
  return judged;
}

// The programs tree shards are checked on: a mutant (race detection off: its missed entries, not
// its racy fill) and correct backends, reduced (race_checked) and not (go_checked).
std::vector<TrialSpec> TreeShardSpecs() {
  return {WithoutRaceDetection(Spec("mutant.cow_publish_early", "snapshot-read",
                                    "exhaustive:pb=2", 4)),
          Spec("mutex", "iterate-while-erase", "exhaustive:pb=2", 1),
          Spec("lockfree", "conditional-erase", "exhaustive:pb=1", 2),
          Spec("go_checked", "iterate-while-find", "exhaustive:pb=1", 3)};
}

// --shard I/N of an exhaustive run: the shards' judged schedules are disjoint and together exactly
// the unsharded search's (the same failing ones among them), with and without reduction.
TEST(ExhaustiveSearchTest, TreeShardsJudgeDisjointPartsOfTheUnshardedSchedules) {
  for (TrialSpec spec : TreeShardSpecs()) {
    for (bool reduction : {true, false}) {
      spec.strategy.reduction = reduction;
      const auto whole = JudgedSchedules(spec, 0, 1);
      for (int shards : {2, 3, 5}) {
        const std::string where = absl::StrCat(spec.backend->id, " / ", spec.scenario->id,
                                               reduction ? "" : " por=off", ", ", shards,
                                               " shards");
        std::map<std::vector<uint8_t>, bool> together;
        size_t counted = 0, largest = 0;
        for (int shard = 0; shard < shards; ++shard) {
          const auto part = JudgedSchedules(spec, shard, shards);
          counted += part.size();
          largest = std::max(largest, part.size());
          together.insert(part.begin(), part.end());
        }
        EXPECT_EQ(counted, whole.size()) << where;
        EXPECT_EQ(together, whole) << where;
        EXPECT_LT(largest, whole.size()) << where;  // no shard ran the whole search
      }
    }
  }
}

// Each shard stops at its part's first failure; the fewest preemptions over the shards' failures is
// the unsharded search's, and a shard's token replays its schedule exactly in a fresh worker (its
// choices make the replay unsharded: the tree shard it carries is for a dead worker's token).
TEST(ExhaustiveSearchTest, TreeShardsFindTheFewestPreemptionsAndTheirTokensReplay) {
  const TrialSpec spec = TreeShardSpecs()[0];
  const TrialResult whole = RunExhaustiveSearch(spec);
  ASSERT_FALSE(whole.violations.empty());
  for (int shards : {2, 3, 5}) {
    int fewest = INT_MAX;
    for (int shard = 0; shard < shards; ++shard) {
      TrialSpec part = spec;
      part.strategy.tree_shard = shard;
      part.strategy.tree_shards = shards;
      const TrialResult r = RunExhaustiveSearch(part);
      ASSERT_TRUE(r.search.has_value());
      if (r.violations.empty()) {
        EXPECT_TRUE(r.search->complete);
        continue;
      }
      fewest = std::min(fewest, r.run.preemptions);
      EXPECT_NE(r.violations[0].explanation.find(absl::StrCat("shard ", shard, "/", shards)),
                std::string::npos) << r.violations[0].explanation;
      const Invariant inv = r.violations[0].invariant;
      const absl::StatusOr<ReplayToken> token =
          ReplayToken::Decode(MakeToken(part, inv, r.run.choices).Encode());
      ASSERT_TRUE(token.ok()) << token.status();
      EXPECT_EQ(token->strategy.tree_shard, shard);
      EXPECT_EQ(token->strategy.tree_shards, shards);
      const IsolatedOutcome o = RunTrialIsolated(*TrialSpecFromToken(*token), 10);
      EXPECT_FALSE(o.diverged);
      EXPECT_EQ(o.choices, r.run.choices);
      EXPECT_EQ(o.preemptions, r.run.preemptions);
      bool again = false;
      for (const Violation& v : o.AllViolations()) again |= v.invariant == inv;
      EXPECT_TRUE(again);
      // Without its choices (a dead worker's token), the replay searches the same shard's part.
      const IsolatedOutcome search = RunTrialIsolated(
          *TrialSpecFromToken(*ReplayToken::Decode(MakeToken(part, inv, {}).Encode())), 30);
      EXPECT_EQ(search.choices, r.run.choices);
    }
    EXPECT_EQ(fewest, whole.run.preemptions) << shards << " shards";
  }
}

// A sharded run of an exhaustive cell: every shard searches every program (its part of each), and
// merging the shards gives the unsharded run's coverage: the same programs, the schedules summed
// exactly, complete; the first failure is the earliest program's with the fewest preemptions.
// (Searches that fail stop at their part's first failure, so there the schedules differ.)
TEST(ExhaustiveSearchTest, MergedTreeShardsCoverWhatTheUnshardedRunCovers) {
  const std::vector<CellSpec> cells = {Cell("mutex", "iterate-while-erase", "exhaustive:pb=2", 4),
                                       Cell("mutant.cow_publish_early", "mixed-ops",
                                            "exhaustive:pb=2", 3)};
  SupervisorOptions options;
  options.seed = 12;
  options.reproduction_replays = 0;
  const RunResults whole = RunCells(cells, options);
  std::vector<RunResults> shards;
  for (int i = 0; i < 3; ++i) {
    options.shard_index = i;
    options.shard_count = 3;
    shards.push_back(RunCells(cells, options));
    const Coverage& c = shards.back().cells[0].coverage;
    EXPECT_EQ(c.programs, 4u);
    EXPECT_EQ(c.tree_shards, 3);
    EXPECT_EQ(c.tree_shard, i);
    EXPECT_TRUE(c.complete);
    EXPECT_EQ(shards.back().cells[0].trials, 4u);
  }
  const absl::StatusOr<RunResults> merged = MergeResults(shards);
  ASSERT_TRUE(merged.ok()) << merged.status();
  for (size_t k = 0; k < cells.size(); ++k) {
    const CellResult& a = whole.cells[k];
    const CellResult& b = merged->cells[k];
    SCOPED_TRACE(a.backend);
    EXPECT_EQ(b.coverage.programs, a.coverage.programs);
    if (a.coverage.complete) {
      EXPECT_EQ(b.coverage.schedules, a.coverage.schedules);
    }
    EXPECT_EQ(b.coverage.complete, a.coverage.complete);
    EXPECT_EQ(b.coverage.tree_shards, 3);
    EXPECT_EQ(b.coverage.tree_shard, -1);
    EXPECT_EQ(b.trials, a.trials);
    for (int i = 0; i < kInvariantCount; ++i) {
      const InvariantResult& x = a.invariants[i];
      const InvariantResult& y = b.invariants[i];
      EXPECT_EQ(x.verdict, y.verdict);
      EXPECT_EQ(x.first_failure_trial, y.first_failure_trial);
      EXPECT_EQ(x.preemptions, y.preemptions);
    }
  }
  EXPECT_EQ(merged->cells[0].coverage.programs_complete, 4u);
  EXPECT_EQ(merged->ExitCode(), whole.ExitCode());
}

// Reads-from enumeration (exhaustive:pb=K,stale=S) on lockfree, whose relaxed and acquire loads
// may read older stores under c11: the search judges more schedules than reading the latest
// store only, some of them with stale reads, and the correct backend still holds; under sc the
// bound means nothing (every load reads the latest). The cell's coverage names the bound (c11)
// or not (sc), and a counterexample found with stale reads enumerated replays exactly from its
// token, which carries the bound.
TEST(ExhaustiveSearchTest, ReadsFromEnumerationExploresStaleReadsAndHoldsOnACorrectBackend) {
  const TrialResult latest =
      RunExhaustiveSearch(Spec("lockfree", "iterate-while-erase", "exhaustive:pb=1,stale=0", 2));
  const TrialResult stale =
      RunExhaustiveSearch(Spec("lockfree", "iterate-while-erase", "exhaustive:pb=1,stale=1", 2));
  ASSERT_TRUE(latest.search && stale.search);
  EXPECT_TRUE(latest.search->complete && stale.search->complete);
  EXPECT_TRUE(stale.violations.empty()) << stale.violations[0].explanation;
  EXPECT_GT(stale.search->schedules, latest.search->schedules);
  const TrialResult sc =
      RunExhaustiveSearch(Spec("lockfree", "iterate-while-erase", "exhaustive:pb=1,stale=1+sc", 2));
  const TrialResult sc_latest =
      RunExhaustiveSearch(Spec("lockfree", "iterate-while-erase", "exhaustive:pb=1,stale=0+sc", 2));
  ASSERT_TRUE(sc.search && sc_latest.search);
  EXPECT_EQ(sc.search->schedules, sc_latest.search->schedules);

  SupervisorOptions options;
  options.seed = 2;
  options.jobs = 1;
  const RunResults c11 =
      RunCells({Cell("lockfree", "iterate-while-erase", "exhaustive:pb=1,stale=1", 1)}, options);
  EXPECT_EQ(c11.cells[0].coverage.stale_read_bound, 1);
  EXPECT_EQ(c11.ExitCode(), kExitHolds);
  const RunResults sc_run =
      RunCells({Cell("lockfree", "iterate-while-erase", "exhaustive:pb=1,stale=0+sc", 1)}, options);
  EXPECT_FALSE(sc_run.cells[0].coverage.stale_read_bound.has_value());

  const TrialSpec spec =
      Spec("mutant.lockfree_missing_acquire", "iterate-while-grow", "exhaustive:pb=1,stale=1", 1);
  const TrialResult r = RunExhaustiveSearch(spec);
  ASSERT_FALSE(r.violations.empty());
  const absl::StatusOr<ReplayToken> token =
      ReplayToken::Decode(MakeToken(spec, r.violations[0].invariant, r.run.choices).Encode());
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->strategy.stale_bound, 1);
  const IsolatedOutcome o = RunTrialIsolated(*TrialSpecFromToken(*token), 10);
  EXPECT_FALSE(o.diverged);
  EXPECT_EQ(o.choices, r.run.choices);
}

// Three threads: insert key 7, erase it, size(). On test.split_size (size() reads two
// relaxed counters without the lock) a size() that reads the erase's count and the linked count
// from before the insert returns one less than any size the map had.
TrialSpec SplitSizeSpec(const std::string& backend, const std::string& strategy) {
  TrialSpec spec = Spec(backend, "mixed-ops", strategy, 1);
  spec.params.threads = 3;
  Program p;
  p.init = {{0, 1000}, {1, 1001}};
  p.threads = {{{OpKind::kInsert, 7, WriteValue(0, 0), {}}},
               {{OpKind::kErase, 7, 0, {}}},
               {{OpKind::kSize, 0, 0, {}}}};
  p.post = DefaultPostOps();
  spec.program = std::make_shared<const Program>(p);
  return spec;
}

// A bug only a stale read shows: the search that reads the latest store certifies the relaxed
// counters (complete, no failure); with one stale read per schedule it finds size-bounds broken,
// and the counterexample's token (store choices included) replays it exactly in a fresh worker.
// One counter instead of two (test.counted_size) holds with two stale reads enumerated.
TEST(ExhaustiveSearchTest, ReadsFromEnumerationFindsABugOnlyAStaleReadShows) {
  const TrialResult latest =
      RunExhaustiveSearch(SplitSizeSpec("test.split_size", "exhaustive:pb=2,stale=0"));
  ASSERT_TRUE(latest.search.has_value());
  EXPECT_TRUE(latest.search->complete);
  EXPECT_TRUE(latest.violations.empty()) << latest.violations[0].explanation;

  const TrialSpec spec = SplitSizeSpec("test.split_size", "exhaustive:pb=2");  // stale=1
  const TrialResult stale = RunExhaustiveSearch(spec);
  ASSERT_FALSE(stale.violations.empty());
  EXPECT_EQ(stale.violations[0].invariant, Invariant::kSizeBounds)
      << stale.violations[0].explanation;
  EXPECT_GE(stale.run.stale_reads, 1u);
  const absl::StatusOr<ReplayToken> token =
      ReplayToken::Decode(MakeToken(spec, Invariant::kSizeBounds, stale.run.choices).Encode());
  ASSERT_TRUE(token.ok()) << token.status();
  const IsolatedOutcome o = RunTrialIsolated(*TrialSpecFromToken(*token), 10);
  EXPECT_FALSE(o.diverged);
  EXPECT_EQ(o.choices, stale.run.choices);
  ASSERT_FALSE(o.violations.empty());
  EXPECT_EQ(o.violations[0].invariant, Invariant::kSizeBounds);

  const TrialResult correct =
      RunExhaustiveSearch(SplitSizeSpec("test.counted_size", "exhaustive:pb=2,stale=2"));
  ASSERT_TRUE(correct.search.has_value());
  EXPECT_TRUE(correct.search->complete);
  EXPECT_TRUE(correct.violations.empty()) << correct.violations[0].explanation;
  EXPECT_GT(correct.search->schedules, 0u);
}

}  // namespace
}  // namespace mapfault
