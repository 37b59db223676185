// Tests of the exhaustive strategy: its enumeration of tiny programs matches a hand count per
// preemption bound, every schedule it runs is distinct, rounds go by increasing preemptions, its
// preemption count is the scheduler's, and "exhaustive:pb=K" parses and prints canonically.
#include "harness/strategies/exhaustive_strategy.h"

#include <functional>
#include <map>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "harness/engine/scheduler.h"
#include "harness/strategies/strategy_spec.h"

namespace mapfault {
namespace {

// What a search of `threads` threads, each passing `points` scheduling points, ran.
struct Enumeration {
  std::map<int, int> new_by_preemptions;  // schedules counted, by their preemptions
  int executions = 0;
  std::vector<int> rounds;                // the round of each counted schedule, in order
  bool distinct = true;
  bool counts_agree = true;               // the strategy's preemptions are the scheduler's
};

Enumeration Enumerate(int threads, int points, int bound) {
  ExhaustiveStrategy strategy(bound);
  Enumeration e;
  std::set<std::vector<uint8_t>> seen;
  do {
    std::vector<std::function<void()>> bodies;
    for (int t = 0; t < threads; ++t) {
      bodies.push_back([points] {
        for (int p = 0; p < points; ++p) Scheduler::Current()->Point(TraceKind::kYield, "step");
      });
    }
    Scheduler scheduler(strategy, {});
    const RunResult r = scheduler.Run(std::move(bodies));
    ++e.executions;
    EXPECT_EQ(r.kind, RunResult::Kind::kCompleted) << r.detail;
    e.counts_agree &= r.preemptions == strategy.preemptions();
    if (!strategy.IsNewSchedule()) continue;
    ++e.new_by_preemptions[strategy.preemptions()];
    e.rounds.push_back(strategy.round());
    e.distinct &= seen.insert(r.choices).second;
  } while (strategy.Advance());
  return e;
}

int Total(const Enumeration& e) {
  int n = 0;
  for (const auto& [p, count] : e.new_by_preemptions) n += count;
  return n;
}

// Two threads of two steps (one scheduling point between them) each: the schedules are the
// interleavings of a0 a1 with b0 b1, C(4,2) = 6. A switch into the last run is never a preemption
// (the other thread has finished), so an interleaving of r runs has r - 2 preemptions: AABB, BBAA
// (0); ABBA, BAAB (1); ABAB, BABA (2).
TEST(ExhaustiveStrategyTest, TwoThreadsOfTwoStepsMatchTheHandCount) {
  EXPECT_EQ(Total(Enumerate(2, 1, 0)), 2);
  EXPECT_EQ(Total(Enumerate(2, 1, 1)), 4);
  EXPECT_EQ(Total(Enumerate(2, 1, 2)), 6);
  EXPECT_EQ(Total(Enumerate(2, 1, 5)), 6);  // a larger bound adds nothing
}

// Two threads of three steps (two points) each: C(6,3) = 20 interleavings; by runs r (r - 2
// preemptions): r=2: 2, r=3: 4, r=4: 8, r=5: 4, r=6: 2.
TEST(ExhaustiveStrategyTest, TwoThreadsOfThreeStepsMatchTheHandCountPerBound) {
  const Enumeration e = Enumerate(2, 2, 4);
  EXPECT_EQ(e.new_by_preemptions, (std::map<int, int>{{0, 2}, {1, 4}, {2, 8}, {3, 4}, {4, 2}}));
  EXPECT_TRUE(e.distinct);
  EXPECT_TRUE(e.counts_agree);
  EXPECT_EQ(Total(Enumerate(2, 2, 0)), 2);
  EXPECT_EQ(Total(Enumerate(2, 2, 1)), 6);
  EXPECT_EQ(Total(Enumerate(2, 2, 2)), 14);
  EXPECT_EQ(Total(Enumerate(2, 2, 3)), 18);
}

TEST(ExhaustiveStrategyTest, RoundsGoByIncreasingPreemptionsAndCountOnlyTheirOwn) {
  const Enumeration e = Enumerate(3, 1, 2);
  ASSERT_FALSE(e.rounds.empty());
  EXPECT_TRUE(std::is_sorted(e.rounds.begin(), e.rounds.end()));
  for (const auto& [preemptions, count] : e.new_by_preemptions) EXPECT_LE(preemptions, 2);
  EXPECT_TRUE(e.distinct);
  EXPECT_TRUE(e.counts_agree);
  // Later rounds re-run the earlier rounds' schedules to rediscover the tree.
  EXPECT_GT(e.executions, Total(e));
  // Three threads of two steps without preemptions: each order of the three threads, 3! = 6.
  EXPECT_EQ(e.new_by_preemptions.at(0), 6);
}

TEST(ExhaustiveStrategyTest, ParsesAndPrintsItsBoundAndBudget) {
  const auto spec = StrategySpec::Parse("exhaustive:pb=2");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind, StrategyKind::kExhaustive);
  EXPECT_EQ(spec->preemption_bound, 2);
  EXPECT_EQ(spec->ToString(), "exhaustive:pb=2");
  EXPECT_EQ(StrategySpec::Parse("exhaustive:pb=1,max=500")->ToString(), "exhaustive:pb=1,max=500");
  EXPECT_EQ(StrategySpec::Parse("exhaustive:pb=1,max=500")->max_schedules, 500u);
  for (const char* bad : {"exhaustive:pb=9", "exhaustive:pb=-1", "exhaustive:pb=x",
                          "exhaustive:pb=1,max=0", "exhaustive:pb=1,foo=2"}) {
    const auto parsed = StrategySpec::Parse(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("exhaustive:pb=K"), std::string::npos) << bad;
  }
  // Perturbed mode has no schedule to enumerate: its stand-in samples with noise.
  EXPECT_EQ(StrategyForMode(*spec, ExecMode::kPerturbed).kind, StrategyKind::kNoise);
  EXPECT_EQ(StrategyForMode(*spec, ExecMode::kControlled).kind, StrategyKind::kExhaustive);
}

}  // namespace
}  // namespace mapfault
