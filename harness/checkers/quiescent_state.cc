// quiescent-state: after all threads join, the contents (read by the harness before the post part)
// equal a state that some linearization of the parallel operations reaches. Checked per key with the
// linearizability search, with every operation's *effect* applied but its reported result ignored
// (wrong results are linearizable's business) and a final observation of the key's state placed
// after everything else. Undecided when the search exceeds its budget.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"
#include "harness/checkers/linearizability.h"

namespace mapfault::checkers {

namespace {

// Whether key `k`, holding `found` after the join, ends some linearization of its parallel
// operations' effects; fills `finding` when it does not (or the search was undecided). `ops` is
// scratch.
bool KeyQuiescent(const HistoryIndex& index, Key k, std::optional<Value> found,
                  const CheckOptions& options, std::vector<LinOp>& ops, Finding& finding) {
  const History& h = index.history();
  KeyOpsInto(index, k, /*include_post=*/false, ops);
  const std::optional<Value> initial = InitialValue(index, k);
  // No parallel operation on the key (most keys of a trial): its final state is its initial one.
  if (ops.empty() && found == initial) return true;
  for (LinOp& op : ops) op.check_result = false;
  ObserveFinalContents(h, found, ops);
  const LinOutcome r = CheckKeyLinearizable(initial, ops, options.linearizability_budget);
  if (r.verdict == LinVerdict::kUndecided) finding.undecided = true;
  if (r.verdict != LinVerdict::kNotLinearizable) return true;
  const std::string state = found ? absl::StrCat("held ", *found) : "was absent";
  finding.violation = Violation{
      Invariant::kQuiescentState,
      absl::StrCat("after the threads joined, key ", k, " ", state,
                   ", but no order of the operations on key ", k,
                   " consistent with their timing ends in that state"),
      DescribeOps(ops, h.parallel_end + 1, 12)};
  return false;
}

}  // namespace

void FinalContentsByOrdinal(const HistoryIndex& index, std::vector<std::optional<Value>>& held,
                            std::vector<std::pair<Key, Value>>* others) {
  held.assign(index.keys().size(), std::nullopt);
  for (const auto& [k, v] : *index.history().final_state) {
    const int i = index.KeyOrdinal(k);
    if (i < 0) {
      if (others != nullptr) others->emplace_back(k, v);
    } else if (!held[static_cast<size_t>(i)]) {
      held[static_cast<size_t>(i)] = v;
    }
  }
  if (others == nullptr) return;
  std::stable_sort(others->begin(), others->end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  others->erase(std::unique(others->begin(), others->end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                others->end());
}

void ObserveFinalContents(const History& h, std::optional<Value> found, std::vector<LinOp>& ops) {
  LinOp& observe = ops.emplace_back();
  observe.kind = LinOp::Kind::kObserve;
  observe.invoke = observe.response = h.parallel_end;
  observe.found = found;
}

Finding QuiescentState(const HistoryIndex& index, const CheckOptions& options) {
  Finding finding;
  const History& h = index.history();
  if (!h.final_state) return finding;
  // The contents by key: keys with events by their ordinal, the others (no operation wrote them:
  // rare) sorted apart.
  const auto& keys = index.keys();
  thread_local std::vector<std::optional<Value>> held;  // kept for the next history
  std::vector<std::pair<Key, Value>> others;
  FinalContentsByOrdinal(index, held, &others);
  // Keys linearizable already showed to end in their contents (ReachesFinalContents).
  const std::vector<uint8_t>& shown = index.ReachesFinalContents();
  thread_local std::vector<LinOp> ops;  // one buffer for every key, kept for the next history
  // Every key of the history or of the final state, in ascending order: a merge of the two.
  size_t i = 0, j = 0;
  while (i < keys.size() || j < others.size()) {
    const bool from_index =
        j == others.size() || (i < keys.size() && keys[i].first < others[j].first);
    const Key k = from_index ? keys[i].first : others[j].first;
    std::optional<Value> found;
    if (from_index) {
      if (i < shown.size() && shown[i] != 0) {
        ++i;
        continue;
      }
      found = held[i];
      const KeyEvents& events = keys[i++].second;
      // A key no operation touched must still hold its initial value: no search when it does.
      if (OnlyInitial(events) && found == events.front().value) continue;
    } else {
      found = others[j++].second;
    }
    if (!KeyQuiescent(index, k, found, options, ops, finding)) return finding;
  }
  return finding;
}

}  // namespace mapfault::checkers
