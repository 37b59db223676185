// Tests of the trial identity forms: resolved, named (tokens) and printed (results), and the first
// failure's ordering.
#include "harness/run/identity.h"

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

TrialIdentity Sample() {
  TrialIdentity id;
  id.mode = ExecMode::kPerturbed;
  id.backend = GlobalBackends().Find("mutex");
  id.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  id.params = {3, 9, 5, 7};
  id.strategy = *StrategySpec::Parse("pct:d=2");
  id.max_steps = 1234;
  return id;
}

TEST(IdentityTest, NameAndResolveRoundTrip) {
  const TrialIdentity id = Sample();
  const NamedTrialIdentity named = NameOf(id);
  EXPECT_EQ(named.backend, "mutex");
  EXPECT_EQ(named.scenario, "iterate-while-erase");
  EXPECT_EQ(named.mode, ExecMode::kPerturbed);
  EXPECT_EQ(named.params, (ScenarioParams{3, 9, 5, 7}));
  EXPECT_EQ(named.strategy.ToString(), "pct:d=2");
  EXPECT_EQ(named.max_steps, 1234u);
  const TrialIdentity back = ResolveIdentity(named, *id.backend, *id.scenario);
  EXPECT_EQ(back.backend, id.backend);
  EXPECT_EQ(back.scenario, id.scenario);
  EXPECT_EQ(back.mode, id.mode);
  EXPECT_EQ(back.params, id.params);
  EXPECT_EQ(back.max_steps, id.max_steps);
  EXPECT_EQ(back.strategy.ToString(), "pct:d=2");
}

TEST(IdentityTest, LabelPrintsModeAndStrategy) {
  const CellLabel label = LabelOf(Sample());
  EXPECT_EQ(label.backend, "mutex");
  EXPECT_EQ(label.scenario, "iterate-while-erase");
  EXPECT_EQ(label.mode, "perturbed");
  EXPECT_EQ(label.strategy, "pct:d=2");
  EXPECT_EQ(label.params, (ScenarioParams{3, 9, 5, 7}));
  EXPECT_EQ(ExecModeName(ExecMode::kControlled), "controlled");
}

TEST(IdentityTest, SpecsAndTokensCopyTheIdentityAsOneValue) {
  CellSpec cell;
  cell.identity() = Sample();
  cell.trials = 10;
  const TrialSpec spec = SpecFor(cell, 7, 3);
  EXPECT_EQ(spec.backend, cell.backend);
  EXPECT_EQ(spec.max_steps, 1234u);
  EXPECT_EQ(spec.params, cell.params);
  const ReplayToken token = MakeToken(spec, Invariant::kNoCrash, std::nullopt);
  EXPECT_EQ(token.backend, "mutex");
  EXPECT_EQ(token.max_steps, 1234u);
  EXPECT_EQ(token.seed, spec.seed);
  const auto decoded = ReplayToken::Decode(token.Encode());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->scenario, "iterate-while-erase");
  EXPECT_EQ(decoded->params, cell.params);
}

TEST(IdentityTest, FirstFailureOrdersByTrialAndNoneComesLast) {
  FirstFailure none, at5, at9;
  at5.first_failure_trial = 5;
  at9.first_failure_trial = 9;
  EXPECT_TRUE(none.IsLaterThan(at5));
  EXPECT_TRUE(at9.IsLaterThan(at5));
  EXPECT_FALSE(at5.IsLaterThan(at9));
  EXPECT_FALSE(at5.IsLaterThan(none));
  EXPECT_FALSE(at5.IsLaterThan(at5));
}

}  // namespace
}  // namespace mapfault
