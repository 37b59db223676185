// Tests of the built-in scenarios: programs are deterministic per seed and have the shape their
// description promises.
#include "scenarios/scenario.h"

#include <set>

#include "gtest/gtest.h"
#include "harness/trial.h"

namespace mapfault {
namespace {

const Scenario& Get(const std::string& id) {
  const Scenario* s = ScenarioRegistry::Builtin().Find(id);
  EXPECT_NE(s, nullptr) << id;
  return *s;
}

TEST(ScenarioTest, CatalogueHasTheCoreScenarios) {
  for (const char* id : {"range-erase-same-thread", "iterate-while-erase", "iterate-while-grow",
                         "concurrent-erase-all", "conditional-erase", "mixed-ops"}) {
    EXPECT_NE(ScenarioRegistry::Builtin().Find(id), nullptr) << id;
  }
}

TEST(ScenarioTest, ProgramsAreDeterministicPerSeed) {
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) {
    const Program a = GenerateProgram(s, s.defaults, 17);
    const Program b = GenerateProgram(s, s.defaults, 17);
    ASSERT_EQ(a.threads.size(), b.threads.size());
    for (size_t t = 0; t < a.threads.size(); ++t) {
      ASSERT_EQ(a.threads[t].size(), b.threads[t].size());
      for (size_t i = 0; i < a.threads[t].size(); ++i) {
        EXPECT_EQ(a.threads[t][i].ToString(), b.threads[t][i].ToString());
      }
    }
    EXPECT_EQ(a.init, b.init);
  }
}

TEST(ScenarioTest, InitKeysAreDistinctAndInTheKeySpace) {
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
      const Program p = GenerateProgram(s, s.defaults, seed);
      std::set<Key> keys;
      for (const auto& [k, v] : p.init) {
        EXPECT_TRUE(keys.insert(k).second);
        EXPECT_GE(k, 0);
        EXPECT_LT(k, s.defaults.keys);
      }
      EXPECT_EQ(static_cast<int>(p.init.size()), std::min(s.defaults.initial, s.defaults.keys));
    }
  }
}

TEST(ScenarioTest, IterateWhileGrowInsertsFreshKeysWhileThreadZeroIterates) {
  const Scenario& s = Get("iterate-while-grow");
  ScenarioParams params = s.defaults;
  params.threads = 3;
  const Program p = GenerateProgram(s, params, 1);
  ASSERT_EQ(p.threads.size(), 3u);
  EXPECT_EQ(p.threads[0][0].kind, OpKind::kForEach);
  std::set<Key> inserted;
  for (int t = 1; t < 3; ++t) {
    for (const OpSpec& op : p.threads[t]) {
      EXPECT_EQ(op.kind, OpKind::kInsert);
      EXPECT_GE(op.key, params.keys);
      EXPECT_TRUE(inserted.insert(op.key).second);
    }
  }
}

TEST(ScenarioTest, RangeEraseSameThreadUsesOneThreadThatErasesThroughTheVisitor) {
  const Program p = GenerateProgram(Get("range-erase-same-thread"), {}, 3);
  ASSERT_EQ(p.threads.size(), 1u);
  EXPECT_EQ(p.threads[0][0].kind, OpKind::kForEach);
  EXPECT_EQ(p.threads[0][0].visit.mode, VisitPlan::Mode::kEraseKeyMod);
}

TEST(VisitPlanTest, DecidesFromKeyValueAndCount) {
  VisitPlan odd{VisitPlan::Mode::kEraseKeyMod, 2, 1, 0};
  EXPECT_EQ(odd.Decide(3, 0, 0), VisitAction::kEraseThis);
  EXPECT_EQ(odd.Decide(4, 0, 0), VisitAction::kContinue);
  VisitPlan expired{VisitPlan::Mode::kEraseValueBelow, 100, 0, 2};
  EXPECT_EQ(expired.Decide(1, 50, 0), VisitAction::kEraseThis);
  EXPECT_EQ(expired.Decide(1, 500, 1), VisitAction::kContinue);
  EXPECT_EQ(expired.Decide(1, 50, 2), VisitAction::kStop);
}

}  // namespace
}  // namespace mapfault
