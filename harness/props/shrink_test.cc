// Tests of property-based programs and shrinking: generated programs respect their settings, a
// correct backend passes the property, and known mutants' failures shrink to a handful of
// operations whose token replays the failure exactly. Controlled mode throughout: deterministic.
#include "harness/props/shrink.h"

#include <csignal>
#include <set>

#include "gtest/gtest.h"
#include "harness/run/replay.h"
#include "harness/strategies/replay_strategy.h"
#include "maps/builtin_backends.h"
#include "rapidcheck/gtest.h"

namespace mapfault {
namespace {

RC_GTEST_PROP(ProgramGenProperty, GeneratedProgramsRespectTheirSettings, ()) {
  ProgramGenSettings s;
  s.threads = *rc::gen::inRange(1, 4);
  s.keys = *rc::gen::inRange(1, 12);
  s.initial = *rc::gen::inRange(0, 8);
  s.ops = *rc::gen::inRange(1, 10);
  const Program p = *GenProgram(s);
  RC_ASSERT(static_cast<int>(p.threads.size()) == s.threads);
  std::set<Key> init;
  for (const auto& [k, v] : p.init) {
    RC_ASSERT(init.insert(k).second);
    RC_ASSERT(k >= 0 && k < s.keys);
  }
  RC_ASSERT(static_cast<int>(p.init.size()) <= s.initial);
  std::set<Value> written;
  for (const auto& t : p.threads) {
    RC_ASSERT(static_cast<int>(t.size()) <= s.ops);
    for (const OpSpec& op : t) {
      if (op.kind == OpKind::kInsert || op.kind == OpKind::kAssign) {
        RC_ASSERT(written.insert(op.value).second);  // every write is attributable
      }
      if (op.kind != OpKind::kSize && op.kind != OpKind::kForEach) {
        RC_ASSERT(op.key >= 0 && op.key < s.keys);
      }
    }
  }
  RC_ASSERT(p.post.size() == 2u);
}

RC_GTEST_PROP(ProgramGenProperty, FullGrowthInsertsOnlyFreshDistinctKeys, ()) {
  ProgramGenSettings s;
  s.weights = *OpWeights::Parse("insert=1");
  s.growth = 1;
  s.keys = 5;
  const Program p = *GenProgram(s);
  std::set<Key> fresh;
  for (const auto& t : p.threads) {
    for (const OpSpec& op : t) {
      RC_ASSERT(op.kind == OpKind::kInsert);
      RC_ASSERT(op.key >= 5);
      RC_ASSERT(fresh.insert(op.key).second);
    }
  }
}

TEST(OpWeightsTest, ParsesAndRejects) {
  const auto w = OpWeights::Parse("insert=30,for_each=5");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->insert, 30);
  EXPECT_EQ(w->for_each, 5);
  EXPECT_EQ(w->erase, 0);
  EXPECT_EQ(w->ToString(), "insert=30,assign=0,erase=0,find=0,size=0,for_each=5");
  EXPECT_NE(OpWeights::Parse("push=3").status().message().find("valid operations are insert"),
            std::string::npos);
  EXPECT_FALSE(OpWeights::Parse("insert=-1").ok());
  EXPECT_FALSE(OpWeights::Parse("insert=0").ok());  // nothing to generate
}

TEST(LenientReplayTest, StaysOnTheCurrentThreadWhereTheRecordingDoesNotApply) {
  ReplayStrategy r({1, ReplayStrategy::kStay, 7}, /*lenient=*/true);
  r.Begin(2, 10);
  EXPECT_EQ(r.Choose(0b11, 0, 1), 1);  // recorded
  EXPECT_EQ(r.Choose(0b11, 1, 2), 1);  // kStay: keep the current thread
  EXPECT_EQ(r.Choose(0b01, 1, 3), 0);  // recorded T7 cannot run, current cannot: lowest runnable
  EXPECT_EQ(r.Choose(0b11, 0, 4), 0);  // past the recording: stay
  EXPECT_EQ(r.Error(), "");
}

TEST(CheckPropertyTest, ACorrectBackendPasses) {
  PropertyOptions o;
  o.tests = 150;
  o.seed = 5;
  const PropertyOutcome r = CheckBackendProperty(*GlobalBackends().Find("mutex"), o);
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.tests_run, 150);
  EXPECT_FALSE(r.failure.has_value());
}

// A stop request before anything ran: the check reports itself interrupted, not passed in full.
TEST(CheckPropertyTest, AStopRequestEndsTheCheckAsInterrupted) {
  volatile std::sig_atomic_t stop = 1;
  PropertyOptions o;
  o.tests = 150;
  o.stop = &stop;
  const PropertyOutcome r = CheckBackendProperty(*GlobalBackends().Find("mutex"), o);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.tests_run, 0);
  EXPECT_FALSE(r.failure.has_value());
}

// Replays a token strictly (its recorded schedule) in a fresh worker.
bool TokenBreaks(const std::string& text, Invariant inv) {
  const auto token = ReplayToken::Decode(text);
  EXPECT_TRUE(token.ok()) << token.status();
  if (!token.ok()) return false;
  EXPECT_TRUE(token->program.has_value());
  const auto spec = TrialSpecFromToken(*token);
  EXPECT_TRUE(spec.ok()) << spec.status();
  if (!spec.ok()) return false;
  const IsolatedOutcome o = RunTrialIsolated(*spec, 5);
  EXPECT_FALSE(o.diverged) << o.detail;
  for (const Violation& v : o.AllViolations()) {
    if (v.invariant == inv) return true;
  }
  return false;
}

TEST(CheckPropertyTest, AMutantsGeneratedFailureShrinksToAHandfulOfOperations) {
  PropertyOptions o;
  o.tests = 1000;
  o.seed = 1;
  const PropertyOutcome r =
      CheckBackendProperty(*GlobalBackends().Find("mutant.mutex_iter_unlocked"), o);
  ASSERT_FALSE(r.passed);
  ASSERT_TRUE(r.failure.has_value());
  const ShrinkOutcome& s = *r.failure;
  EXPECT_EQ(s.invariant, Invariant::kIterNoDuplicate);
  EXPECT_LE(ParallelOps(s.shrunk), 5u);
  EXPECT_LE(ParallelOps(s.shrunk), ParallelOps(s.original));
  EXPECT_LE(s.shrunk_preemptions, s.original_preemptions);
  EXPECT_TRUE(TokenBreaks(s.token, s.invariant));
}

TEST(ShrinkTest, ARunsFindingShrinksAndStillReplays) {
  CellSpec cell;
  cell.backend = GlobalBackends().Find("mutant.rwlock_erase_shared");
  cell.scenario = ScenarioRegistry::Builtin().Find("mixed-ops");
  cell.params = {.threads = 3, .keys = 6, .initial = 4, .ops = 8};
  cell.strategy = *StrategySpec::Parse("random");
  cell.trials = 3000;
  cell.stop_at_first_failure = true;
  SupervisorOptions so;
  so.seed = 9;
  so.jobs = 1;
  const RunResults run = RunCells({cell}, so);
  std::optional<Invariant> inv;
  std::string token;
  for (Invariant i : kAllInvariants) {
    const InvariantResult& ir = run.cells[0].invariants[static_cast<int>(i)];
    if (!ir.token.empty() && (!inv || ir.first_failure_trial <
                                          run.cells[0].invariants[static_cast<int>(*inv)]
                                              .first_failure_trial)) {
      inv = i;
      token = ir.token;
    }
  }
  ASSERT_TRUE(inv.has_value()) << "the mutant was not found";
  const auto spec = TrialSpecFromToken(*ReplayToken::Decode(token));
  ASSERT_TRUE(spec.ok());
  ShrinkOptions stopped;
  volatile std::sig_atomic_t stop = 1;
  stopped.stop = &stop;
  const ShrinkOutcome cut = ShrinkFailure(*spec, *inv, stopped);  // interrupted before it ran
  EXPECT_TRUE(cut.interrupted);
  EXPECT_FALSE(cut.reproduced);
  const ShrinkOutcome s = ShrinkFailure(*spec, *inv, ShrinkOptions{});
  ASSERT_TRUE(s.reproduced);
  EXPECT_FALSE(s.interrupted);
  EXPECT_LT(ParallelOps(s.shrunk), ParallelOps(s.original));
  EXPECT_LE(ParallelOps(s.shrunk), 6u);
  EXPECT_TRUE(TokenBreaks(s.token, *inv));
}

}  // namespace
}  // namespace mapfault
