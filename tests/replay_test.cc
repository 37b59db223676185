// Replay round trips (always on; Shuttle's were switched off as broken): a BROKEN token replayed 100
// times gives the identical trace 100 times, for a history violation and for a crash.
#include <set>

#include "gtest/gtest.h"
#include "harness/run/replay.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

TrialSpec FromToken(const std::string& text) {
  const auto token = ReplayToken::Decode(text);
  EXPECT_TRUE(token.ok()) << token.status();
  const auto spec = TrialSpecFromToken(*token);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

const InvariantResult& FirstBreak(const std::string& backend, const std::string& scenario,
                                  Invariant inv, RunResults& holder) {
  CellSpec c;
  c.backend = GlobalBackends().Find(backend);
  c.scenario = ScenarioRegistry::Builtin().Find(scenario);
  c.params = c.scenario->defaults;
  c.trials = 3000;
  SupervisorOptions o;
  o.seed = 77;
  o.jobs = 2;
  holder = RunCells({c}, o);
  return holder.cells[0].invariants[static_cast<int>(inv)];
}

void ExpectIdenticalReplays(const std::string& token, Invariant inv, int times) {
  const TrialSpec spec = FromToken(token);
  std::set<uint64_t> digests;
  int reproduced = 0;
  for (int i = 0; i < times; ++i) {
    const IsolatedOutcome o = RunTrialIsolated(spec, 10);
    EXPECT_FALSE(o.diverged) << o.detail;
    digests.insert(o.TraceDigest());
    for (const Violation& v : o.AllViolations()) reproduced += v.invariant == inv;
  }
  EXPECT_EQ(reproduced, times);
  EXPECT_EQ(digests.size(), 1u);
}

TEST(ReplayTest, HistoryViolationReplaysIdenticallyOneHundredTimes) {
  RunResults holder;
  const InvariantResult& r = FirstBreak("mutant.mutex_iter_unlocked", "iterate-while-grow",
                                        Invariant::kIterNoDuplicate, holder);
  ASSERT_EQ(r.verdict, Verdict::kBroken);
  ASSERT_TRUE(ReplayToken::Decode(r.token)->choices.has_value());
  ExpectIdenticalReplays(r.token, Invariant::kIterNoDuplicate, 100);
}

TEST(ReplayTest, CrashReplaysIdenticallyOneHundredTimes) {
  RunResults holder;
  const InvariantResult& r =
      FirstBreak("naive", "iterate-while-erase", Invariant::kNoCrash, holder);
  ASSERT_EQ(r.verdict, Verdict::kBroken);
  EXPECT_TRUE(r.confirmed);
  ExpectIdenticalReplays(r.token, Invariant::kNoCrash, 100);
}

TEST(ReplayTest, ReplayInProcessReproducesTheHistoryExactly) {
  const Scenario* s = ScenarioRegistry::Builtin().Find("mixed-ops");
  for (uint64_t seed = 0; seed < 200; ++seed) {
    TrialSpec spec;
    spec.backend = GlobalBackends().Find("mutex");
    spec.scenario = s;
    spec.params = s->defaults;
    spec.seed = seed;
    const TrialResult original = RunControlledTrial(spec);
    spec.replay_choices = original.run.choices;
    spec.seed = seed;
    const TrialResult again = RunControlledTrial(spec);
    ASSERT_EQ(again.run.kind, RunResult::Kind::kCompleted);
    EXPECT_EQ(again.run.choices, original.run.choices);
    for (size_t t = 0; t < original.history.threads.size(); ++t) {
      for (size_t i = 0; i < original.history.threads[t].size(); ++i) {
        const OpRecord& a = original.history.threads[t][i];
        const OpRecord& b = again.history.threads[t][i];
        EXPECT_EQ(a.Describe(), b.Describe());
        EXPECT_EQ(a.invoke, b.invoke);
        EXPECT_EQ(a.response, b.response);
      }
    }
  }
}

}  // namespace
}  // namespace mapfault
