// Tests of the run plan: backends x scenarios in the right modes, parameter overrides under both
// rules, and the CLI's error messages.
#include "harness/run/plan.h"

#include "gtest/gtest.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

const BackendInfo* BlackBox() {
  for (const BackendInfo* b : GlobalBackends().Listed()) {
    if (!b->make_controlled && b->make_real) return b;
  }
  return nullptr;
}

const Scenario& Builtin(const std::string& id) { return *ScenarioRegistry::Builtin().Find(id); }

absl::StatusOr<RunPlan> Plan(const PlanRequest& request) {
  return PlanRun(request, GlobalBackends(), ScenarioSource{});
}

TEST(PlanTest, CellsAreBackendsTimesScenariosInTheirModes) {
  const BackendInfo* black = BlackBox();
  ASSERT_NE(black, nullptr);
  PlanRequest r;
  r.backends = {"mutex", black->id};
  r.scenarios = {"iterate-while-erase", "iterate-while-grow"};
  r.strategy = *StrategySpec::Parse("random");
  r.trials = 17;
  r.max_steps = 999;
  r.checked = InvariantSet{Invariant::kNoCrash};
  const absl::StatusOr<RunPlan> plan = Plan(r);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->backends, 2u);
  EXPECT_EQ(plan->scenarios, 2u);
  ASSERT_EQ(plan->cells.size(), 4u);
  const CellSpec& first = plan->cells[0];
  EXPECT_EQ(first.backend->id, "mutex");
  EXPECT_EQ(first.scenario->id, "iterate-while-erase");
  EXPECT_EQ(first.mode, ExecMode::kControlled);
  EXPECT_EQ(first.trials, 17u);
  EXPECT_EQ(first.max_steps, 999u);
  EXPECT_TRUE(first.checked == InvariantSet{Invariant::kNoCrash});
  const CellSpec& last = plan->cells[3];
  EXPECT_EQ(last.backend, black);
  EXPECT_EQ(last.mode, ExecMode::kPerturbed);  // auto: a black-box backend runs perturbed
  EXPECT_EQ(last.params, Builtin("iterate-while-grow").DefaultsFor(/*perturbed=*/true));
}

// A backend whose contract forbids visitor writes is not given a scenario that has them: the pair
// is listed as skipped, not run; asking for nothing else is an error naming the backend.
TEST(PlanTest, VisitorWriteScenariosRunOnlyWhereTheContractAllowsThem) {
  PlanRequest r;
  r.backends = {"mutex", "versioned_cas"};
  r.scenarios = {"range-insert-same-thread", "iterate-while-erase"};
  r.strategy = *StrategySpec::Parse("random");
  r.trials = 5;
  const absl::StatusOr<RunPlan> plan = Plan(r);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->cells.size(), 3u);
  for (const CellSpec& c : plan->cells) {
    EXPECT_FALSE(c.backend->id == "mutex" && c.scenario->id == "range-insert-same-thread");
  }
  ASSERT_EQ(plan->skipped.size(), 1u);
  EXPECT_EQ(plan->skipped[0].first->id, "mutex");
  EXPECT_EQ(plan->skipped[0].second->id, "range-insert-same-thread");
  r.backends = {"mutex"};
  r.scenarios = {"range-insert-same-thread"};
  const absl::StatusOr<RunPlan> none = Plan(r);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("backend 'mutex' does not allow"), std::string::npos)
      << none.status();
}

TEST(PlanTest, AllWithAForcedModeSkipsBackendsWithoutIt) {
  PlanRequest r;
  r.backends = {"all"};
  r.scenarios = {"iterate-while-erase"};
  r.mode = "controlled";
  const absl::StatusOr<RunPlan> plan = Plan(r);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->backends, GlobalBackends().Listed().size());
  EXPECT_LT(plan->cells.size(), plan->backends);
  for (const CellSpec& c : plan->cells) EXPECT_EQ(c.mode, ExecMode::kControlled);
}

// `run --strategy stress --mode controlled` blamed the default suite's first perturbed-only backend;
// the error now names the real problem: the strategy, or the suite that chose the backend.
TEST(PlanTest, AModeMismatchNamesTheStrategyOrTheSuite) {
  PlanRequest r;
  r.backends = {BlackBox()->id};
  r.backends_from = "suite 'default'";
  r.mode = "controlled";
  r.strategy = *StrategySpec::Parse("stress");
  EXPECT_EQ(Plan(r).status().message(),
            "strategy 'stress' drives perturbed mode (real threads) only, and --mode controlled "
            "was asked for; use --mode perturbed or auto, or a controlled strategy (random, pct, "
            "portfolio)");
  r.strategy = *StrategySpec::Parse("random");
  EXPECT_EQ(Plan(r).status().message(),
            "suite 'default' includes backend '" + BlackBox()->id +
                "', which cannot run in controlled mode; use --mode auto, or choose backends with "
                "--backend");
}

TEST(PlanTest, ErrorsAreTheCommandLinesMessages) {
  PlanRequest r;
  r.backends = {"nosuch"};
  EXPECT_EQ(Plan(r).status().message(),
            "unknown backend 'nosuch'; valid backends: " + GlobalBackends().ValidIds() + ", all");
  r.backends = {BlackBox()->id};
  r.mode = "controlled";
  EXPECT_EQ(Plan(r).status().message(), "backend '" + BlackBox()->id +
                                            "' cannot run in controlled mode; use --mode auto");
  r.backends = {"mutex"};
  r.mode = "auto";
  r.scenarios = {"nosuch"};
  EXPECT_EQ(Plan(r).status().message(), "unknown scenario 'nosuch'; valid scenarios: " +
                                            ScenarioRegistry::Builtin().ValidIds());
  r.scenarios = {"iterate-while-erase"};
  r.overrides.threads = 1;
  EXPECT_EQ(Plan(r).status().message(), "scenario 'iterate-while-erase' needs --threads >= 2");
  r.overrides = {.keys = 4, .initial = 5};
  EXPECT_EQ(Plan(r).status().message(), "--initial (5) cannot exceed --keys (4)");
}

TEST(PlanTest, TheStrictRuleKeepsFixedThreadCountsAndTheOtherSkipsWhatDoesNotFit) {
  const ParamOverrides threads1{.threads = 1};
  const ParamOverrides threads3{.threads = 3, .ops = 9};
  const Scenario& single = Builtin("range-erase-same-thread");
  const Scenario& pair = Builtin("iterate-while-erase");
  // run: range-erase-same-thread keeps its one thread; too few threads is an error.
  EXPECT_EQ(ApplyOverrides(single, single.defaults, threads3, ThreadOverrideRule::kStrict)->threads, 1);
  EXPECT_FALSE(ApplyOverrides(pair, pair.defaults, threads1, ThreadOverrideRule::kStrict).ok());
  // bench-bugs: the override applies where it fits and is skipped elsewhere.
  EXPECT_EQ(
      ApplyOverrides(single, single.defaults, threads3, ThreadOverrideRule::kWhereItFits)->threads,
      3);
  const absl::StatusOr<ScenarioParams> kept =
      ApplyOverrides(pair, pair.defaults, threads1, ThreadOverrideRule::kWhereItFits);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->threads, pair.defaults.threads);
  EXPECT_EQ(ApplyOverrides(pair, pair.defaults, threads3, ThreadOverrideRule::kStrict)->ops, 9);
}

TEST(PlanTest, ScenariosResolveFromTheLoadedFilesAndListThemWhenUnknown) {
  absl::StatusOr<ScenarioFile> file = ParseScenarioFile(R"toml(
[[scenario]]
id = "my-scenario"
based_on = "iterate-while-erase"

[[scenario]]
id = "fixed-one"
threads = [["find(1)"], ["erase(1)"]]
)toml", "my.toml", ScenarioRegistry::Builtin());
  ASSERT_TRUE(file.ok()) << file.status();
  ScenarioSource source;
  source.files = {&*file};
  const absl::StatusOr<std::vector<const Scenario*>> found = source.Resolve({"my-scenario"});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->at(0)->id, "my-scenario");
  EXPECT_EQ(source.Resolve({"nosuch"}).status().message(),
            "unknown scenario 'nosuch'; valid scenarios: " +
                ScenarioRegistry::Builtin().ValidIds() + ", my-scenario, fixed-one");
  EXPECT_EQ(source.Resolve({})->size(), ScenarioRegistry::Builtin().All().size());
  // A fixed program ignores every override (and the --initial/--keys check).
  const Scenario& fixed = *file->FindScenario("fixed-one");
  const absl::StatusOr<ScenarioParams> params = ApplyOverrides(
      fixed, fixed.defaults, {.threads = 5, .keys = 1, .initial = 9}, ThreadOverrideRule::kStrict);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(*params, fixed.defaults);
}

}  // namespace
}  // namespace mapfault
