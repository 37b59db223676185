// Tests of the bug-finding benchmark: repetitions stop at the first failure, controlled rows are
// deterministic, censoring and medians are computed as documented, and the report format is locked
// by a golden file.
#include "harness/run/bug_bench.h"

#include "gtest/gtest.h"
#include "maps/builtin_backends.h"
#include "reports/bug_bench_report.h"
#include "tests/golden_util.h"

namespace mapfault {
namespace {

BugBenchOptions Options(const std::string& backend, const std::string& scenario,
                        const std::vector<std::string>& strategies) {
  BugBenchOptions o;
  BugBenchTarget t;
  t.backend = GlobalBackends().Find(backend);
  t.scenario = ScenarioRegistry::Builtin().Find(scenario);
  t.params = t.scenario->defaults;
  o.targets.push_back(t);
  for (const std::string& s : strategies) o.strategies.push_back(*ParseBugBenchStrategy(s));
  o.repetitions = 5;
  o.cap = 500;
  o.seed = 11;
  return o;
}

TEST(BugBenchTest, ControlledRowsFindTheMutantDeterministically) {
  const BugBenchOptions o =
      Options("mutant.mutex_iter_unlocked", "iterate-while-grow", {"random", "pct:d=3"});
  const BugBenchResults a = RunBugBench(o);
  const BugBenchResults b = RunBugBench(o);
  ASSERT_EQ(a.rows.size(), 2u);
  for (size_t i = 0; i < a.rows.size(); ++i) {
    const BugBenchRow& r = a.rows[i];
    EXPECT_EQ(r.mode, "controlled");
    EXPECT_EQ(r.repetitions, 5);
    EXPECT_EQ(r.found, 5) << r.strategy;
    EXPECT_EQ(r.trials_to_failure, b.rows[i].trials_to_failure) << "controlled rows replay exactly";
    ASSERT_TRUE(r.MedianTrials().has_value());
    EXPECT_LE(*r.MedianTrials(), 500);
    EXPECT_EQ(r.first_token.rfind("mf1_", 0), 0u);
    EXPECT_EQ(r.replays, 0);  // controlled failures replay exactly; no rate to measure
    EXPECT_EQ(r.first_replay_check, ReplayCheck::kExact) << "the determinism check passed";
  }
  EXPECT_GT(a.rows[1].pct_trial_bound, 0);
  EXPECT_EQ(a.rows[0].pct_trial_bound, 0);
}

TEST(BugBenchTest, ACorrectBackendIsCensoredAtTheCap) {
  BugBenchOptions o = Options("mutex", "iterate-while-erase", {"random", "noise"});
  o.repetitions = 2;
  o.cap = 50;
  const BugBenchResults r = RunBugBench(o);
  ASSERT_EQ(r.rows.size(), 2u);
  for (const BugBenchRow& row : r.rows) {
    EXPECT_EQ(row.found, 0);
    EXPECT_FALSE(row.MedianTrials().has_value());
    EXPECT_EQ(row.trials_to_failure.size(), 2u);
    EXPECT_TRUE(row.first_token.empty());
  }
}

// std::unordered_map breaks ~30% of noisy iterate-while-grow trials (docs/perturbed-mode.md), so missing it in
// 5,000 trials is not a flake risk.
TEST(BugBenchTest, PerturbedRowsMeasureReproduction) {
#if defined(MAPFAULT_TSAN)
  GTEST_SKIP() << "the race is real: TSan aborts the worker before the checkers see it";
#endif
  BugBenchOptions o = Options("std_unordered", "iterate-while-grow", {"noise", "random"});
  o.targets[0].params = o.targets[0].scenario->DefaultsFor(/*perturbed=*/true);
  o.repetitions = 2;
  o.cap = 5000;
  o.reproduction_replays = 4;
  const BugBenchResults r = RunBugBench(o);
  ASSERT_EQ(r.rows.size(), 1u);  // a black-box backend has no controlled row
  EXPECT_EQ(r.rows[0].mode, "perturbed");
  EXPECT_EQ(r.rows[0].found, 2);
  EXPECT_EQ(r.rows[0].replays, 4);
  EXPECT_LE(r.rows[0].reproduced, 4);
  EXPECT_GT(r.rows[0].seconds_to_failure[0], 0);
}

TEST(BugBenchTest, MediansCountCensoredRepetitionsAsInfinite) {
  BugBenchRow row;
  row.repetitions = 4;
  row.trials_to_failure = {3, std::nullopt, 7, 5};
  row.seconds_to_failure = {0.1, 9, 0.3, 0.2};
  EXPECT_EQ(row.MedianTrials(), 6.0);  // 3 5 7 inf
  EXPECT_DOUBLE_EQ(*row.MedianSeconds(), 0.2);
  row.trials_to_failure = {3, std::nullopt, std::nullopt, 5};
  EXPECT_FALSE(row.MedianTrials().has_value());  // 3 5 inf inf: the median is censored
}

TEST(BugBenchTest, StrategiesPickTheirMode) {
  EXPECT_EQ(ParseBugBenchStrategy("stress")->mode, ExecMode::kPerturbed);
  EXPECT_EQ(ParseBugBenchStrategy("noise+preempt")->mode, ExecMode::kPerturbed);
  EXPECT_EQ(ParseBugBenchStrategy("pct:d=2")->mode, ExecMode::kControlled);
  EXPECT_EQ(ParseBugBenchStrategy("random")->mode, ExecMode::kControlled);
  EXPECT_FALSE(ParseBugBenchStrategy("dfs").ok());
  // The memory-model column (the random walk under sc, beside it under c11), then the
  // bounded-exhaustive search at pb=1 and pb=2.
  EXPECT_EQ(DefaultBugBenchStrategies().size(), 11u);
  EXPECT_EQ(DefaultBugBenchStrategies()[8].spec.memory_model, MemoryModel::kSc);
  EXPECT_EQ(DefaultBugBenchStrategies()[9].Label(), "controlled exhaustive:pb=1");
  EXPECT_EQ(DefaultBugBenchStrategies()[10].Label(), "controlled exhaustive:pb=2");
  EXPECT_EQ(DefaultBugBenchStrategies()[1].Label(), "perturbed reference-loop");
  EXPECT_EQ(ParseBugBenchStrategy("reference-loop")->mode, ExecMode::kPerturbed);
  EXPECT_EQ(ParseBugBenchStrategy("portfolio")->mode, ExecMode::kControlled);
}

BugBenchResults SampleBench() {
  BugBenchResults r;
  r.seed = 3;
  r.cap = 1000;
  r.repetitions = 4;
  auto row = [](std::string strategy, std::string mode, std::vector<std::optional<uint64_t>> t) {
    BugBenchRow x;
    x.backend = "mutant.example";
    x.scenario = "iterate-while-grow";
    x.strategy = std::move(strategy);
    x.mode = std::move(mode);
    x.params = {2, 8, 4, 4};
    x.repetitions = static_cast<int>(t.size());
    for (const auto& v : t) {
      x.found += v.has_value();
      x.seconds_to_failure.push_back(v ? 0.002 * static_cast<double>(*v) : 1.5);
    }
    x.trials_to_failure = std::move(t);
    if (x.found > 0) {
      x.first_token = "mf1_TEST-" + x.strategy;
      x.first_invariant = "iter.no-duplicate";
    }
    return x;
  };
  r.rows.push_back(row("stress", "perturbed", {std::nullopt, std::nullopt, 900, std::nullopt}));
  r.rows.push_back(row("noise", "perturbed", {40, 12, 30, 22}));
  r.rows.back().reproduced = 13;
  r.rows.back().replays = 20;
  r.rows.push_back(row("pct:d=2", "controlled", {4, 2, 6, 3}));
  r.rows.back().pct_trial_bound = 0.011;
  r.rows.back().first_replay_check = ReplayCheck::kExact;
  // The stronger plain baseline here: pct:d=2 is compared with it, not with stress.
  r.rows.push_back(row("reference-loop", "perturbed", {300, std::nullopt, 500, 700}));
  return r;
}

TEST(BugBenchReportTest, MarkdownGolden) {
  ExpectGolden("bench.md", FormatBugBenchMarkdown(SampleBench()));
}

TEST(BugBenchReportTest, JsonHasEveryRepetition) {
  const nlohmann::json j = BugBenchToJson(SampleBench());
  ASSERT_EQ(j["rows"].size(), 4u);
  EXPECT_EQ(j["rows"][0]["trials_to_first_failure"],
            nlohmann::json::parse("[null, null, 900, null]"));
  EXPECT_TRUE(j["rows"][0]["median_trials"].is_null());
  EXPECT_EQ(j["rows"][1]["median_trials"], 26.0);
  EXPECT_EQ(j["rows"][1]["reproduction"], nlohmann::json::parse(R"({"reproduced":13,"replays":20})"));
  EXPECT_EQ(j["rows"][2]["median_trials"], 3.5);
  EXPECT_EQ(j["rows"][2]["pct_trial_bound"], 0.011);
  EXPECT_EQ(j["rows"][2]["replay_check"], "exact");
  EXPECT_EQ(j["rows"][1]["replay_check"], "not_checked");
}

}  // namespace
}  // namespace mapfault
