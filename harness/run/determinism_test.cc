// Tests of the determinism check's comparisons: a replay against the original trial's fingerprint
// and against a second replay, each divergence named by its step with what was expected there and
// what happened.
#include "harness/run/determinism.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace mapfault {
namespace {

IsolatedOutcome Completed(std::vector<TraceEvent> trace,
                          std::vector<std::vector<std::string>> results, uint64_t steps) {
  IsolatedOutcome o;
  o.trace = std::move(trace);
  o.results = std::move(results);
  o.steps = steps;
  return o;
}

std::vector<TraceEvent> Trace(int64_t second_key) {
  return {{1, 0, TraceKind::kOpInvoke, 6, 0, "op: for_each", 0, 0},
          {2, 0, TraceKind::kIterYield, 0, 0, "visit", 3, 30},
          {3, 0, TraceKind::kIterYield, 0, 0, "visit", second_key, second_key * 10},
          {3, 0, TraceKind::kOpResponse, 6, 0, "op: for_each", 0, 2}};
}

TrialFingerprint Original(std::vector<std::vector<std::string>> results, uint64_t steps) {
  TrialFingerprint f;
  f.known = true;
  f.results = std::move(results);
  f.steps = steps;
  return f;
}

TEST(DeterminismTest, AgreeingReplaysHaveNoDivergence) {
  const IsolatedOutcome a = Completed(Trace(5), {{"[3 5]"}, {}}, 3);
  EXPECT_FALSE(FindDivergence(Original({{"[3 5]"}, {}}, 3), nullptr, a, a).has_value());
}

TEST(DeterminismTest, TracesThatDifferNameTheStepAndBothEvents) {
  const IsolatedOutcome a = Completed(Trace(5), {{"[3 5]"}, {}}, 3);
  const IsolatedOutcome b = Completed(Trace(7), {{"[3 7]"}, {}}, 3);
  const std::optional<Divergence> d = FindDivergence(TrialFingerprint{}, nullptr, a, b);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->step, 3u);
  EXPECT_EQ(d->detail,
            "expected T0 visit (key 5, value 50), the replay with a shifted heap did T0 visit "
            "(key 7, value 70)");
}

TEST(DeterminismTest, AResultThatDiffersFromTheOriginalIsNamedAtItsStep) {
  const IsolatedOutcome a = Completed(Trace(5), {{"[3 5]"}, {}}, 3);
  const std::optional<Divergence> d =
      FindDivergence(Original({{"[5 3]"}, {}}, 3), nullptr, a, a);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->step, 3u);  // where T0's operation returned in the replay
  EXPECT_EQ(d->detail, "T0 operation 1 returned [5 3] in the original trial, [3 5] in the replay");
}

TEST(DeterminismTest, AReplayThatCannotFollowTheScheduleDiverges) {
  IsolatedOutcome a = Completed({}, {}, 12);
  a.diverged = true;
  a.detail = "replay diverged at step 12 (choice 3): expected T1 but only {T0} were runnable";
  const std::optional<Divergence> d = FindDivergence(Original({}, 20), nullptr, a, a);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->step, 12u);
  EXPECT_EQ(d->detail, "the replay could not follow the original schedule (choice 3): expected T1 "
                       "but only {T0} were runnable");
}

TEST(DeterminismTest, DifferentStepCountsAndChoicesDiverge) {
  const IsolatedOutcome a = Completed(Trace(5), {{"[3 5]"}, {}}, 3);
  std::optional<Divergence> d = FindDivergence(Original({{"[3 5]"}, {}}, 5), nullptr, a, a);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->step, 4u);
  const std::vector<uint8_t> choices = {0, 1};
  d = FindDivergence(Original({{"[3 5]"}, {}}, 3), &choices, a, a);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->detail, "the replay made 0 of the original's 2 scheduling choices");
}

TEST(DeterminismTest, AReplayThatDiesWhereTheOriginalCompletedDiverges) {
  IsolatedOutcome a = Completed(Trace(5), {}, 3);
  a.kind = IsolatedOutcome::Kind::kSignal;
  a.detail = "the worker died by SIGSEGV";
  const std::optional<Divergence> d = FindDivergence(Original({{"[3 5]"}, {}}, 3), nullptr, a, a);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->step, 3u);
}

TEST(DeterminismTest, ADeathIsComparedWithTheReplaysEnd) {
  IsolatedOutcome died = Completed(Trace(5), {}, 3);
  died.kind = IsolatedOutcome::Kind::kSignal;
  died.signal = 11;
  EXPECT_FALSE(CompareDeath(IsolatedOutcome::Kind::kSignal, 11, "SIGSEGV", died).has_value());
  const IsolatedOutcome completed = Completed(Trace(5), {{"[3 5]"}, {}}, 3);
  const std::optional<Divergence> d =
      CompareDeath(IsolatedOutcome::Kind::kSignal, 11, "the worker died by SIGSEGV", completed);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->detail, "in the original trial the worker died by SIGSEGV; the replay completed");
}

TEST(DeterminismTest, FingerprintsRoundTripAndMalformedOnesAreUnknown) {
  const TrialFingerprint f = Original({{"true", "[1 2]"}, {"3"}}, 17);
  const TrialFingerprint back = FingerprintFromJson(FingerprintToJson(f));
  EXPECT_TRUE(back.known);
  EXPECT_EQ(back.steps, 17u);
  EXPECT_EQ(back.results, f.results);
  EXPECT_FALSE(FingerprintFromJson(nlohmann::json(nullptr)).known);
  EXPECT_FALSE(FingerprintFromJson(nlohmann::json{{"s", 3}, {"r", {{1}}}}).known);
  EXPECT_FALSE(
      FingerprintFromJson(nlohmann::json{{"s", -1}, {"r", nlohmann::json::array()}}).known);
}

}  // namespace
}  // namespace mapfault
