// Tests of strategy parsing and of PCT's defining behaviour.
#include "harness/strategies/pct_strategy.h"

#include "gtest/gtest.h"
#include "harness/engine/scheduler.h"
#include "harness/strategies/strategy_spec.h"
#include "harness/engine/sync.h"

namespace mapfault {
namespace {

TEST(StrategySpecTest, ParsesAndPrintsCanonically) {
  EXPECT_EQ(StrategySpec::Parse("random")->ToString(), "random");
  EXPECT_EQ(StrategySpec::Parse("pct")->ToString(), "pct:d=3");
  EXPECT_EQ(StrategySpec::Parse("pct:d=2")->ToString(), "pct:d=2");
  EXPECT_FALSE(StrategySpec::Parse("noise")->preempt);
  const auto preempted = StrategySpec::Parse("noise+preempt");
  ASSERT_TRUE(preempted.ok());
  EXPECT_TRUE(preempted->preempt);
  EXPECT_EQ(preempted->kind, StrategySpec::Kind::kNoise);
  EXPECT_EQ(preempted->ToString(), "noise+preempt");
  EXPECT_EQ(StrategySpec::Parse("pct:d=2+preempt")->ToString(), "pct:d=2+preempt");
  EXPECT_EQ(StrategySpec::Parse("portfolio")->ToString(), "portfolio");
}

TEST(StrategySpecTest, RejectsUnknownStrategiesNamingTheValidOnes) {
  const auto bad = StrategySpec::Parse("dfs");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("valid strategies are random, pct"), std::string::npos);
  EXPECT_FALSE(StrategySpec::Parse("pct:d=0").ok());
  EXPECT_FALSE(StrategySpec::Parse("pct:d=x").ok());
  EXPECT_FALSE(StrategySpec::Parse("+preempt").ok());
  EXPECT_FALSE(StrategySpec::Parse("dfs+preempt").ok());
  EXPECT_FALSE(StrategySpec::Parse("noise+preempt+preempt").ok());
}

TEST(PortfolioTest, PicksRandomAndPctMembersByTheTrialSeed) {
  const StrategySpec portfolio = *StrategySpec::Parse("portfolio");
  // The member depends only on the seed: the same seed gives the same schedule.
  for (uint64_t seed = 0; seed < 6; ++seed) {
    auto a = MakeStrategy(portfolio, seed);
    auto b = MakeStrategy(portfolio, seed);
    a->Begin(3, 50);
    b->Begin(3, 50);
    for (uint64_t step = 0; step < 50; ++step) {
      ASSERT_EQ(a->Choose(0b111, 0, step), b->Choose(0b111, 0, step)) << seed;
    }
  }
  // Seeds 0 (random) and 1 (PCT d=2) make different kinds of schedules: PCT d=2 switches at most
  // once away from its first choice when nothing blocks, the random walk switches often.
  auto count_switches = [&](uint64_t seed) {
    auto s = MakeStrategy(portfolio, seed);
    s->Begin(2, 200);
    int switches = 0, current = -1;
    for (uint64_t step = 0; step < 200; ++step) {
      const int next = s->Choose(0b11, current, step);
      switches += current >= 0 && next != current;
      current = next;
    }
    return switches;
  };
  EXPECT_GT(count_switches(0), 10);
  EXPECT_LE(count_switches(1), 1);
}

// With depth 1 PCT has no change points: the highest-priority thread runs until it finishes, so
// the threads never interleave.
TEST(PctStrategyTest, DepthOneRunsThreadsWithoutPreemption) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    std::string order;
    std::vector<std::function<void()>> bodies;
    for (char id : {'a', 'b', 'c'}) {
      bodies.push_back([&order, id] {
        for (int i = 0; i < 4; ++i) {
          ControlledSync::Yield("step");
          order.push_back(id);
        }
      });
    }
    PctStrategy pct(seed, 1);
    Scheduler scheduler(pct, {});
    const RunResult r = scheduler.Run(std::move(bodies));
    EXPECT_EQ(r.preemptions, 0);
    int changes = 0;
    for (size_t i = 1; i < order.size(); ++i) changes += order[i] != order[i - 1];
    EXPECT_EQ(changes, 2) << order;
  }
}

TEST(PctStrategyTest, DepthTwoPreemptsAtMostOnceAtItsChangePoint) {
  bool preempted = false;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    std::vector<std::function<void()>> bodies;
    for (int t = 0; t < 2; ++t) {
      bodies.push_back([] {
        for (int i = 0; i < 4; ++i) ControlledSync::Yield("step");
      });
    }
    PctStrategy pct(seed, 2);
    Scheduler::Options options;
    options.expected_steps = 8;
    Scheduler scheduler(pct, options);
    const RunResult r = scheduler.Run(std::move(bodies));
    EXPECT_LE(r.preemptions, 1);
    preempted |= r.preemptions == 1;
  }
  EXPECT_TRUE(preempted);
}

}  // namespace
}  // namespace mapfault
