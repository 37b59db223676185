// Test helper: builds histories by hand, one operation at a time, with explicit logical times.
#ifndef MAPFAULT_HARNESS_CHECKERS_HISTORY_BUILDER_H_
#define MAPFAULT_HARNESS_CHECKERS_HISTORY_BUILDER_H_

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "harness/checkers/checkers.h"

namespace mapfault {

class HistoryBuilder {
 public:
  HistoryBuilder& Initial(std::vector<std::pair<Key, Value>> init) {
    h_.initial = std::move(init);
    return *this;
  }
  HistoryBuilder& Final(std::vector<std::pair<Key, Value>> contents, uint64_t at) {
    h_.final_state = std::move(contents);
    h_.parallel_end = at;
    return *this;
  }
  OpRecord& Op(int thread, OpKind kind, Key key, uint64_t invoke, uint64_t response,
               Value value = 0) {
    OpRecord op;
    op.kind = kind;
    op.key = key;
    op.value = value;
    op.thread = thread;
    op.invoke = invoke;
    op.response = response;
    if (thread < 0) {
      op.index = static_cast<int>(h_.post.size());
      h_.post.push_back(op);
      return h_.post.back();
    }
    if (static_cast<int>(h_.threads.size()) <= thread) h_.threads.resize(thread + 1);
    op.index = static_cast<int>(h_.threads[thread].size());
    h_.threads[thread].push_back(op);
    return h_.threads[thread].back();
  }
  void Insert(int t, Key k, Value v, uint64_t a, uint64_t b, bool ok) {
    Op(t, OpKind::kInsert, k, a, b, v).ok = ok;
  }
  void Assign(int t, Key k, Value v, uint64_t a, uint64_t b) { Op(t, OpKind::kAssign, k, a, b, v); }
  void Erase(int t, Key k, uint64_t a, uint64_t b, bool ok) { Op(t, OpKind::kErase, k, a, b).ok = ok; }
  void Find(int t, Key k, uint64_t a, uint64_t b, std::optional<Value> found) {
    Op(t, OpKind::kFind, k, a, b).found = found;
  }
  void Size(int t, uint64_t a, uint64_t b, uint64_t size) { Op(t, OpKind::kSize, 0, a, b).size = size; }
  // An iteration yielding (key, value, time) triples; erase-this for the keys in `erased`.
  OpRecord& Iter(int thread, uint64_t invoke, uint64_t response,
                 std::vector<std::tuple<Key, Value, uint64_t>> yields,
                 std::vector<Key> erased = {}) {
    OpRecord& op = Op(thread, OpKind::kForEach, 0, invoke, response);
    for (auto [k, v, at] : yields) {
      const bool erase = std::find(erased.begin(), erased.end(), k) != erased.end();
      op.yields.push_back({k, v, at, erase ? VisitAction::kEraseThis : VisitAction::kContinue});
    }
    return op;
  }

  // The violation of `inv` in this history, if any (only that checker runs).
  std::optional<Violation> Check(Invariant inv, bool allow_reinsert = false) const {
    CheckOptions options;
    options.which = InvariantSet{inv};
    options.duplicate_allows_reinsert = allow_reinsert;
    CheckResult r = CheckHistory(h_, options);
    if (r.violations.empty()) return std::nullopt;
    return r.violations.front();
  }
  CheckResult CheckAll(uint64_t budget = 200000) const {
    CheckOptions options;
    options.linearizability_budget = budget;
    return CheckHistory(h_, options);
  }
  History& history() { return h_; }

 private:
  History h_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CHECKERS_HISTORY_BUILDER_H_
