// Tests of the built-in scenarios: programs are deterministic per seed and have the shape their
// description promises.
#include "scenarios/scenario.h"

#include <limits>
#include <set>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "harness/run/trial.h"
#include "tests/program_dump.h"

namespace mapfault {
namespace {

const Scenario& Get(const std::string& id) {
  const Scenario* s = ScenarioRegistry::Builtin().Find(id);
  EXPECT_NE(s, nullptr) << id;
  return *s;
}

TEST(ScenarioTest, CatalogueHasTheCoreScenarios) {
  for (const char* id : {"range-erase-same-thread", "iterate-while-erase", "iterate-while-grow",
                         "concurrent-erase-all", "conditional-erase", "mixed-ops", "iterate-while-find",
                         "grow-shrink-cycle", "snapshot-read"}) {
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

// Generators start from SpareProgram (the buffers of the program the last trial recycled on the
// thread): after recycling programs of other shapes (more threads, more operations, visitor writes)
// each built-in generates exactly what it does on a thread with no spare.
TEST(ScenarioTest, RecycledProgramsGenerateWhatFreshOnesDo) {
  const std::vector<ScenarioParams> shapes = {{},
                                              {.threads = 1, .keys = 3, .initial = 2, .ops = 1},
                                              {.threads = 4, .keys = 20, .initial = 12, .ops = 9}};
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) {
    for (const ScenarioParams& shape : shapes) {
      ScenarioParams params = shape;
      params.threads = std::max(params.threads, s.min_threads);
      for (uint64_t seed = 0; seed < 4; ++seed) {
        std::string fresh;
        std::thread([&] { fresh = DumpProgram(GenerateProgram(s, params, seed)); }).join();
        // The spare left by a big program with visitor writes, then by one of another shape.
        RecycleProgram(GenerateProgram(Get("range-insert-while-erase"),
                                       {.threads = 5, .keys = 30, .initial = 25, .ops = 12}, seed));
        EXPECT_EQ(DumpProgram(GenerateProgram(s, params, seed)), fresh) << s.id << " seed " << seed;
        ScenarioParams other = shapes[(seed + 1) % shapes.size()];
        other.threads = std::max(other.threads, s.min_threads);
        RecycleProgram(GenerateProgram(s, other, seed + 1));
        EXPECT_EQ(DumpProgram(GenerateProgram(s, params, seed)), fresh) << s.id << " seed " << seed;
      }
    }
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

TEST(ScenarioTest, IterateWhileFindOnlyReadsBesideTheIteration) {
  const Scenario& s = Get("iterate-while-find");
  const Program p = GenerateProgram(s, s.defaults, 4);
  ASSERT_EQ(p.threads.size(), 2u);
  for (const OpSpec& op : p.threads[0]) EXPECT_EQ(op.kind, OpKind::kForEach);
  ASSERT_EQ(p.threads[1].size(), static_cast<size_t>(s.defaults.ops));
  for (const OpSpec& op : p.threads[1]) EXPECT_EQ(op.kind, OpKind::kFind);
}

TEST(ScenarioTest, GrowShrinkCycleInsertsThenErasesTheSameBatchTwice) {
  const Scenario& s = Get("grow-shrink-cycle");
  ScenarioParams params = s.defaults;
  params.ops = 5;
  const Program p = GenerateProgram(s, params, 9);
  const std::vector<OpSpec>& w = p.threads[1];
  ASSERT_EQ(w.size(), 4u * 5u);  // two cycles of 5 inserts and 5 erases
  std::set<Key> first_batch;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(w[i].kind, OpKind::kInsert);
    EXPECT_GE(w[i].key, params.keys);  // fresh keys: each one grows the table
    first_batch.insert(w[i].key);
  }
  for (int cycle = 0; cycle < 2; ++cycle) {
    std::set<Key> inserted, erased;
    for (int i = 0; i < 5; ++i) inserted.insert(w[cycle * 10 + i].key);
    for (int i = 5; i < 10; ++i) {
      EXPECT_EQ(w[cycle * 10 + i].kind, OpKind::kErase);
      erased.insert(w[cycle * 10 + i].key);
    }
    EXPECT_EQ(inserted, first_batch);
    EXPECT_EQ(erased, first_batch);
  }
}

TEST(ScenarioTest, SnapshotReadReadsSizeEntriesSizeWhileWritersChurn) {
  const Scenario& s = Get("snapshot-read");
  const Program p = GenerateProgram(s, s.defaults, 2);
  ASSERT_EQ(p.threads[0].size(), 3u);
  EXPECT_EQ(p.threads[0][0].kind, OpKind::kSize);
  EXPECT_EQ(p.threads[0][1].kind, OpKind::kForEach);
  EXPECT_EQ(p.threads[0][2].kind, OpKind::kSize);
  bool assigns = false, reinserts = false;
  const std::vector<OpSpec>& w = p.threads[1];
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i].kind == OpKind::kAssign) assigns = true;
    if (w[i].kind == OpKind::kErase) {
      ASSERT_LT(i + 1, w.size());
      EXPECT_EQ(w[i + 1].kind, OpKind::kInsert);
      EXPECT_EQ(w[i + 1].key, w[i].key);
      reinserts = true;
    }
  }
  EXPECT_TRUE(assigns);
  EXPECT_TRUE(reinserts);
}

TEST(ScenarioTest, PerturbedDefaultsAreBiggerOnlyWhereRealThreadsNeedThem) {
  const Scenario& grow = Get("iterate-while-grow");
  EXPECT_GT(grow.DefaultsFor(true).ops, grow.defaults.ops);
  EXPECT_EQ(grow.DefaultsFor(false), grow.defaults);
  const Scenario& erase = Get("iterate-while-erase");
  EXPECT_EQ(erase.DefaultsFor(true), erase.defaults);
}

TEST(ScenarioTest, RangeEraseSameThreadUsesOneThreadThatErasesThroughTheVisitor) {
  const Program p = GenerateProgram(Get("range-erase-same-thread"), {}, 3);
  ASSERT_EQ(p.threads.size(), 1u);
  EXPECT_EQ(p.threads[0][0].kind, OpKind::kForEach);
  EXPECT_EQ(p.threads[0][0].visit.mode, VisitPlan::Mode::kEraseKeyMod);
}

TEST(VisitPlanTest, DecidesFromKeyValueAndCount) {
  VisitPlan odd{VisitPlan::Mode::kEraseKeyMod, 2, 1, 0, {}};
  EXPECT_EQ(odd.Decide(3, 0, 0), VisitAction::kEraseThis);
  EXPECT_EQ(odd.Decide(4, 0, 0), VisitAction::kContinue);
  VisitPlan expired{VisitPlan::Mode::kEraseValueBelow, 100, 0, 2, {}};
  EXPECT_EQ(expired.Decide(1, 50, 0), VisitAction::kEraseThis);
  EXPECT_EQ(expired.Decide(1, 500, 1), VisitAction::kContinue);
  EXPECT_EQ(expired.Decide(1, 50, 2), VisitAction::kStop);
}

// Keys and moduli near the int64 limits (a scenario file or token may hold them): the remainder
// is computed without the signed overflow of (k % m) + m, which wrapped and missed the match.
TEST(VisitPlanTest, KeyModuloDoesNotOverflowAtTheLimits) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const VisitPlan big{VisitPlan::Mode::kEraseKeyMod, kMax, kMax - 1, 0, {}};
  EXPECT_EQ(big.Decide(kMax - 1, 0, 0), VisitAction::kEraseThis);
  EXPECT_EQ(big.Decide(-1, 0, 0), VisitAction::kEraseThis);  // -1 mod kMax == kMax - 1
  EXPECT_EQ(big.Decide(std::numeric_limits<int64_t>::min(), 0, 0), VisitAction::kEraseThis);
  EXPECT_EQ(big.Decide(0, 0, 0), VisitAction::kContinue);
  const VisitPlan negative{VisitPlan::Mode::kEraseKeyMod, 3, 2, 0, {}};
  EXPECT_EQ(negative.Decide(-1, 0, 0), VisitAction::kEraseThis);
  EXPECT_EQ(negative.Decide(-3, 0, 0), VisitAction::kContinue);
}

}  // namespace
}  // namespace mapfault
