// quiescent-state: after all threads join, the contents (read by the harness before the post part)
// equal a state that some linearization of the parallel operations reaches. Checked per key with the
// linearizability search, with every operation's *effect* applied but its reported result ignored
// (wrong results are linearizable's business) and a final observation of the key's state placed
// after everything else. Undecided when the search exceeds its budget.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"
#include "harness/checkers/linearizability.h"

namespace mapfault::checkers {

namespace {

// Whether key `k`, holding `found` after the join, ends some linearization of its parallel
// operations' effects; fills `finding` when it does not (or the search was undecided).
bool KeyQuiescent(const HistoryIndex& index, Key k, std::optional<Value> found,
                  const CheckOptions& options, Finding& finding) {
  const History& h = index.history();
  std::vector<LinOp> ops = KeyOps(index, k, /*include_post=*/false);
  const std::optional<Value> initial = InitialValue(index, k);
  // No parallel operation on the key (most keys of a trial): its final state is its initial one.
  if (ops.empty() && found == initial) return true;
  for (LinOp& op : ops) op.check_result = false;
  LinOp observe;
  observe.kind = LinOp::Kind::kObserve;
  observe.invoke = observe.response = h.parallel_end;
  observe.found = found;
  ops.push_back(observe);
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

Finding QuiescentState(const HistoryIndex& index, const CheckOptions& options) {
  Finding finding;
  const History& h = index.history();
  if (!h.final_state) return finding;
  absl::flat_hash_map<Key, Value> final_state(h.final_state->begin(), h.final_state->end());
  // Every key of the history or of the final state, in ascending order.
  std::vector<Key> keys;
  keys.reserve(index.keys().size() + final_state.size());
  for (const auto& [k, events] : index.keys()) keys.push_back(k);
  for (const auto& [k, v] : final_state) {
    if (index.Events(k) == nullptr) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  for (Key k : keys) {
    const auto it = final_state.find(k);
    const std::optional<Value> found =
        it == final_state.end() ? std::nullopt : std::optional<Value>(it->second);
    if (!KeyQuiescent(index, k, found, options, finding)) return finding;
  }
  return finding;
}

}  // namespace mapfault::checkers
