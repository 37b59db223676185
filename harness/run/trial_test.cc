// Tests of a trial's step bound: it scales with the program, a real livelock stays a no-hang
// failure, and an explicit bound too small for the program is a harness limit, not a verdict; and
// of RecycleTrialResult: a trial that reuses an earlier trial's buffers records what a fresh one
// does.
#include "harness/run/trial.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "maps/builtin_backends.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

TrialSpec Spec(const std::string& backend, const std::string& scenario, int threads, int ops) {
  testing::RegisterTestBackends();
  TrialSpec spec;
  spec.backend = GlobalBackends().Find(backend);
  spec.scenario = ScenarioRegistry::Builtin().Find(scenario);
  spec.params = spec.scenario->defaults;
  spec.params.threads = threads;
  spec.params.ops = ops;
  spec.seed = 1;
  return spec;
}

TEST(TrialStepBoundTest, TheDefaultBoundScalesWithTheProgram) {
  // 16 threads x 2000 ops need far more than the 20000-step floor: a correct backend holds.
  const TrialSpec spec = Spec("mutex", "iterate-while-grow", 16, 2000);
  ASSERT_EQ(spec.max_steps, kDefaultMaxSteps);
  const TrialResult r = RunControlledTrial(spec);
  EXPECT_EQ(r.run.kind, RunResult::Kind::kCompleted) << r.run.detail;
  EXPECT_TRUE(r.violations.empty()) << r.violations.front().explanation;
  EXPECT_GT(r.run.steps, kDefaultMaxSteps);
  EXPECT_EQ(StepBound(kDefaultMaxSteps, r.program),
            kStepBoundFactor * EstimateSteps(r.program));
  EXPECT_EQ(StepBound(777, r.program), 777u);  // an explicit bound is kept
}

TEST(TrialStepBoundTest, AnExplicitBoundTooSmallForTheProgramIsAHarnessLimit) {
  TrialSpec spec = Spec("mutex", "iterate-while-grow", 4, 200);
  spec.max_steps = 100;
  const TrialResult r = RunControlledTrial(spec);
  EXPECT_EQ(r.run.kind, RunResult::Kind::kLivelock);
  EXPECT_TRUE(r.violations.empty());
  EXPECT_TRUE(r.undecided.Contains(Invariant::kNoHang));
  EXPECT_NE(r.run.detail.find("harness limit"), std::string::npos) << r.run.detail;
}

TEST(TrialStepBoundTest, ARealLivelockIsStillANoHangFailure) {
  TrialSpec spec = Spec("test.livelock", "iterate-while-erase", 2, 20);
  testing::g_misbehave_seed = spec.seed;
  const TrialResult r = RunControlledTrial(spec);
  testing::g_misbehave_seed = 0;
  EXPECT_EQ(r.run.kind, RunResult::Kind::kLivelock);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].invariant, Invariant::kNoHang);
  EXPECT_TRUE(r.undecided.empty());
}

TEST(TrialStepBoundTest, AHarnessLimitLeavesTheCellUndecidedNotBroken) {
  testing::RegisterTestBackends();
  CellSpec cell;
  cell.backend = GlobalBackends().Find("mutex");
  cell.scenario = ScenarioRegistry::Builtin().Find("iterate-while-grow");
  cell.params = cell.scenario->defaults;
  cell.trials = 3;
  cell.max_steps = 10;
  SupervisorOptions options;
  options.seed = 3;
  options.jobs = 1;
  const RunResults r = RunCells({cell}, options);
  const InvariantResult& hang = r.cells[0].invariants[static_cast<int>(Invariant::kNoHang)];
  EXPECT_EQ(hang.verdict, Verdict::kNotRun);
  EXPECT_EQ(hang.undecided, 3u);
  const InvariantResult& lin =
      r.cells[0].invariants[static_cast<int>(Invariant::kLinearizable)];
  EXPECT_EQ(lin.evaluated, 0u);  // nothing was judged from the cut-off histories
  EXPECT_EQ(r.ExitCode(), 0);
}

// Everything a trial recorded, as text: each operation with its stamps and results, every yield,
// visitor write, the contents after the join, the run and the verdicts.
std::string Fingerprint(const TrialResult& r) {
  std::string out = absl::StrCat(static_cast<int>(r.run.kind), " steps=", r.run.steps,
                                 " choices=", absl::StrJoin(r.run.choices, ","), "\n");
  const auto add = [&out](const OpRecord& op, const auto& self) -> void {
    absl::StrAppend(&out, op.Describe(), " stopped=", op.stopped, " visit=", op.visit, "\n");
    for (const YieldRecord& y : op.yields) {
      absl::StrAppend(&out, "  yield ", y.key, "=", y.value, " at=", y.at,
                      " action=", static_cast<int>(y.action), " erase=", static_cast<int>(y.erase),
                      "\n");
    }
    for (const OpRecord& w : op.visit_writes) self(w, self);
  };
  for (const auto& ops : r.history.threads) {
    for (const OpRecord& op : ops) add(op, add);
  }
  for (const OpRecord& op : r.history.post) add(op, add);
  for (const auto& [k, v] : r.history.initial) absl::StrAppend(&out, "init ", k, "=", v, "\n");
  if (r.history.final_state) {
    for (const auto& [k, v] : *r.history.final_state)
      absl::StrAppend(&out, "final ", k, "=", v, "\n");
  }
  for (const Violation& v : r.violations) absl::StrAppend(&out, "violation ", v.explanation, "\n");
  return absl::StrCat(out, "undecided ", r.undecided.bits(), "\n");
}

// A sequence of trials of different shapes (2 and 4 threads, early ends at a race or a crash,
// visitor writes, iterations of different lengths), so that each recycled buffer is taken by a
// trial with more and with fewer records, yields and writes than the one that gave it.
std::vector<TrialSpec> MixedTrials() {
  std::vector<TrialSpec> specs;
  const std::pair<const char*, const char*> cells[] = {
      {"mutex", "mixed-ops"},
      {"naive", "iterate-while-erase"},
      {"collect_then_delete", "range-insert-same-thread"},
      {"mutex", "iterate-while-grow"},
      {"naive", "mixed-ops"},
      {"collect_then_delete", "range-insert-while-erase"}};
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const auto& [backend, scenario] = cells[seed % std::size(cells)];
    TrialSpec spec = Spec(backend, scenario, seed % 3 == 0 ? 4 : 2, 2 + static_cast<int>(seed % 7));
    spec.seed = seed;
    specs.push_back(spec);
  }
  return specs;
}

TEST(RecycleTrialResultTest, ARecycledTrialRecordsWhatAFreshOneDoes) {
  const std::vector<TrialSpec> specs = MixedTrials();
  // Fresh: each trial on its own new thread (no spare buffers there), its result destroyed.
  std::vector<std::string> fresh;
  for (const TrialSpec& spec : specs) {
    std::thread([&] { fresh.push_back(Fingerprint(RunControlledTrial(spec))); }).join();
  }
  // Recycled: one thread, each result given back for the next trial.
  std::vector<std::string> recycled;
  std::thread([&] {
    for (const TrialSpec& spec : specs) {
      TrialResult r = RunControlledTrial(spec);
      recycled.push_back(Fingerprint(r));
      RecycleTrialResult(std::move(r));
    }
  }).join();
  ASSERT_EQ(fresh.size(), recycled.size());
  int failed = 0, visitor_writes = 0;
  for (size_t i = 0; i < fresh.size(); ++i) {
    EXPECT_EQ(recycled[i], fresh[i]) << "trial " << i;
    failed += fresh[i].find("violation") != std::string::npos;
    visitor_writes += fresh[i].find("visit=0") != std::string::npos;
  }
  // The sequence exercised what it is meant to: failing trials and visitor writes among them.
  EXPECT_GT(failed, 0);
  EXPECT_GT(visitor_writes, 0);
}

}  // namespace
}  // namespace mapfault
