// Single-threaded conformance suite that every registered backend must pass (insert, assign, erase,
// find, size, clear, iteration with erase-through-visitor and stop, growth across rehashes), plus a
// rapidcheck property comparing each backend with std::map on random operation sequences.
#include <map>
#include <set>

#include "gtest/gtest.h"
#include "harness/backend.h"
#include "rapidcheck/gtest.h"

namespace mapfault {
namespace {

class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<AnyMap> Make() const {
    const BackendInfo* b = BackendRegistry::Global().Find(GetParam());
    return b->make_controlled();
  }
  static std::map<Key, Value> Contents(AnyMap& m) {
    std::map<Key, Value> out;
    m.ForEach(
        [&](Key k, Value v) {
          EXPECT_TRUE(out.emplace(k, v).second) << "key " << k << " yielded twice";
          return VisitAction::kContinue;
        },
        IterKind::kReadOnly);
    return out;
  }
};

TEST_P(ConformanceTest, InsertFindEraseSize) {
  auto m = Make();
  EXPECT_TRUE(m->Insert(1, 10));
  EXPECT_FALSE(m->Insert(1, 11));
  EXPECT_EQ(m->Find(1), 10);
  EXPECT_EQ(m->Find(2), std::nullopt);
  EXPECT_EQ(m->Size(), 1u);
  m->Assign(1, 12);
  m->Assign(2, 20);
  EXPECT_EQ(m->Find(1), 12);
  EXPECT_EQ(m->Size(), 2u);
  EXPECT_TRUE(m->Erase(1));
  EXPECT_FALSE(m->Erase(1));
  EXPECT_EQ(m->Find(1), std::nullopt);
  EXPECT_EQ(m->Size(), 1u);
  m->Clear();
  EXPECT_EQ(m->Size(), 0u);
  EXPECT_TRUE(Contents(*m).empty());
}

TEST_P(ConformanceTest, GrowsAcrossManyRehashes) {
  auto m = Make();
  std::map<Key, Value> expected;
  for (Key k = 0; k < 200; ++k) {
    EXPECT_TRUE(m->Insert(k * 7919, k));
    expected[k * 7919] = k;
  }
  EXPECT_EQ(m->Size(), 200u);
  EXPECT_EQ(Contents(*m), expected);
}

TEST_P(ConformanceTest, VisitorCanEraseTheEntryItWasShown) {
  auto m = Make();
  for (Key k = 0; k < 20; ++k) m->Insert(k, k);
  std::set<Key> seen;
  m->ForEach(
      [&](Key k, Value) {
        EXPECT_TRUE(seen.insert(k).second);
        return k % 2 == 0 ? VisitAction::kEraseThis : VisitAction::kContinue;
      },
      IterKind::kMayErase);
  EXPECT_EQ(seen.size(), 20u);  // erasing never hides or repeats an entry (the Go rule)
  EXPECT_EQ(m->Size(), 10u);
  for (Key k = 0; k < 20; ++k) EXPECT_EQ(m->Find(k).has_value(), k % 2 == 1) << k;
}

TEST_P(ConformanceTest, VisitorCanStop) {
  auto m = Make();
  for (Key k = 0; k < 10; ++k) m->Insert(k, k);
  int shown = 0;
  m->ForEach(
      [&](Key, Value) {
        ++shown;
        return shown == 3 ? VisitAction::kStop : VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  EXPECT_EQ(shown, 3);
}

std::vector<std::string> AllBackends() {
  std::vector<std::string> ids;
  for (const BackendInfo* b : BackendRegistry::Global().Listed()) {
    if (b->make_controlled) ids.push_back(b->id);
  }
  return ids;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ConformanceTest, ::testing::ValuesIn(AllBackends()),
                         TestName);

// Sequential behaviour matches std::map for random operation sequences, on every backend.
RC_GTEST_PROP(ConformanceProperty, SequentialRunsMatchStdMap,
              (const std::vector<std::tuple<uint8_t, uint8_t, int16_t>>& ops)) {
  for (const std::string& id : AllBackends()) {
    auto m = BackendRegistry::Global().Find(id)->make_controlled();
    std::map<Key, Value> model;
    for (const auto& [kind, key8, value] : ops) {
      const Key k = key8 % 24;
      switch (kind % 5) {
        case 0: RC_ASSERT(m->Insert(k, value) == model.emplace(k, value).second); break;
        case 1:
          m->Assign(k, value);
          model[k] = value;
          break;
        case 2: RC_ASSERT(m->Erase(k) == (model.erase(k) == 1)); break;
        case 3: {
          const auto it = model.find(k);
          RC_ASSERT(m->Find(k) == (it == model.end() ? std::nullopt : std::optional(it->second)));
          break;
        }
        case 4: RC_ASSERT(m->Size() == model.size()); break;
      }
    }
    std::map<Key, Value> seen;
    m->ForEach(
        [&](Key k, Value v) {
          seen[k] = v;
          return VisitAction::kContinue;
        },
        IterKind::kReadOnly);
    RC_ASSERT(seen == model);
  }
}

}  // namespace
}  // namespace mapfault
