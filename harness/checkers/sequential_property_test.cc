// Property (rapidcheck): every history produced by a sequential execution (a std::map model,
// operations spread over threads but never overlapping in time) is linearizable and satisfies every
// history invariant; none is left undecided.
#include <map>

#include "gtest/gtest.h"
#include "harness/checkers/history_builder.h"
#include "rapidcheck/gtest.h"

namespace mapfault {
namespace {

RC_GTEST_PROP(SequentialHistoryProperty, SatisfiesEveryInvariant,
              (const std::vector<std::tuple<uint8_t, uint8_t, uint8_t, int16_t>>& program,
               const std::vector<std::pair<uint8_t, int16_t>>& initial)) {
  HistoryBuilder b;
  std::map<Key, Value> model;
  std::vector<std::pair<Key, Value>> init;
  for (const auto& [k8, v] : initial) {
    if (model.emplace(k8 % 16, v).second) init.emplace_back(k8 % 16, v);
  }
  b.Initial(init);
  uint64_t t = 0;
  for (const auto& [kind, thread8, key8, value] : program) {
    const int thread = thread8 % 3;
    const Key k = key8 % 16;
    const uint64_t a = ++t, z = ++t;
    switch (kind % 8) {
      case 0: b.Insert(thread, k, value, a, z, model.emplace(k, value).second); break;
      case 1:
        model[k] = value;
        b.Assign(thread, k, value, a, z);
        break;
      case 2: b.Erase(thread, k, a, z, model.erase(k) == 1); break;
      case 3: {
        const auto it = model.find(k);
        b.Find(thread, k, a, z, it == model.end() ? std::nullopt : std::optional(it->second));
        break;
      }
      case 4: b.Size(thread, a, z, model.size()); break;
      default: {
        // An iteration that erases the keys whose value is below `value` (a conditional erase).
        std::vector<std::tuple<Key, Value, uint64_t>> yields;
        std::vector<Key> erased;
        for (const auto& [key, v] : model) {
          yields.emplace_back(key, v, ++t);
          if (v < value) erased.push_back(key);
        }
        for (Key e : erased) model.erase(e);
        OpRecord& it = b.Iter(thread, a, ++t, yields, erased);
        it.erase_if_value_below = value;
        break;
      }
    }
  }
  b.Final(std::vector<std::pair<Key, Value>>(model.begin(), model.end()), ++t);
  const CheckResult r = b.CheckAll();
  for (const Violation& v : r.violations) {
    RC_FAIL(std::string(InvariantId(v.invariant)) + ": " + v.explanation);
  }
  RC_ASSERT(r.undecided.empty());
}

}  // namespace
}  // namespace mapfault
