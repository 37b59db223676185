// The single-threaded conformance suite (include/mapfault/conformance.h) over every registered
// backend, plus a rapidcheck property comparing each backend with std::map on random operation
// sequences.
#include <map>
#include <set>

#include "gtest/gtest.h"
#include "harness/engine/backend.h"
#include "mapfault/conformance.h"
#include "maps/builtin_backends.h"
#include "rapidcheck/gtest.h"

namespace mapfault {
namespace {

// The public conformance suite (include/mapfault/conformance.h) over a registered backend.
struct AnyMapAdapter {
  using Map = AnyMap;
  std::string id;
  std::unique_ptr<AnyMap> Make() const {
    return GlobalBackends().Find(id)->make_controlled();
  }
  static bool Insert(Map& m, int64_t k, int64_t v) { return m.Insert(k, v); }
  static void Assign(Map& m, int64_t k, int64_t v) { m.Assign(k, v); }
  static bool Erase(Map& m, int64_t k) { return m.Erase(k); }
  static std::optional<int64_t> Find(Map& m, int64_t k) { return m.Find(k); }
  static uint64_t Size(Map& m) { return m.Size(); }
  static void Clear(Map& m) { m.Clear(); }
  static void ForEach(Map& m, bool may_erase, const conformance::Decide& decide) {
    m.ForEach(
        [&](Key k, Value v) {
          switch (decide(k, v)) {
            case conformance::Action::kContinue: return VisitAction::kContinue;
            case conformance::Action::kEraseThis: return VisitAction::kEraseThis;
            case conformance::Action::kStop: return VisitAction::kStop;
          }
          return VisitAction::kContinue;
        },
        may_erase ? IterKind::kMayErase : IterKind::kReadOnly);
  }
};

class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  AnyMapAdapter adapter_{GetParam()};
};

TEST_P(ConformanceTest, InsertFindEraseSize) { conformance::CheckInsertFindEraseSize(adapter_); }
TEST_P(ConformanceTest, GrowsAcrossManyRehashes) {
  conformance::CheckGrowsAcrossManyRehashes(adapter_);
}
TEST_P(ConformanceTest, VisitorCanEraseTheEntryItWasShown) {
  conformance::CheckVisitorCanEraseTheEntryItWasShown(adapter_);
}
TEST_P(ConformanceTest, VisitorCanStop) { conformance::CheckVisitorCanStop(adapter_); }
TEST_P(ConformanceTest, MatchesStdMapOnRandomOperations) {
  conformance::CheckMatchesStdMap(adapter_);
}

std::vector<std::string> AllBackends() {
  std::vector<std::string> ids;
  for (const BackendInfo* b : GlobalBackends().Listed()) {
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
    auto m = GlobalBackends().Find(id)->make_controlled();
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

// The typed suite as a plugin author instantiates it, on the example plugin's map
// (examples/plugin/my_map.h), so mapfault's own test run keeps the public header honest.
#include "examples/plugin/my_map.h"

using ExampleMapUnderTest =
    mapfault::conformance::PluginMapAdapter<my_map::SharedLockedMap<mapfault::conformance::PlainSync>>;
INSTANTIATE_TYPED_TEST_SUITE_P(ExampleMap, MapConformanceTest, ::testing::Types<ExampleMapUnderTest>);
