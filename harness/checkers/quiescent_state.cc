// quiescent-state: after all threads join, the contents (read by the harness before the post part)
// equal a state that some linearization of the parallel operations reaches. Checked per key with the
// linearizability search, with every operation's *effect* applied but its reported result ignored
// (wrong results are linearizable's business) and a final observation of the key's state placed
// after everything else. Undecided when the search exceeds its budget.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"
#include "harness/checkers/linearizability.h"

namespace mapfault::checkers {

Finding QuiescentState(const HistoryIndex& index, const CheckOptions& options) {
  Finding finding;
  const History& h = index.history();
  if (!h.final_state) return finding;
  std::map<Key, Value> final_state(h.final_state->begin(), h.final_state->end());
  std::set<Key> keys;
  for (const auto& [k, events] : index.keys()) keys.insert(k);
  for (const auto& [k, v] : final_state) keys.insert(k);
  for (Key k : keys) {
    std::vector<LinOp> ops = KeyOps(index, k, /*include_post=*/false);
    for (LinOp& op : ops) op.check_result = false;
    LinOp observe;
    observe.kind = LinOp::Kind::kObserve;
    observe.invoke = observe.response = h.parallel_end;
    if (auto it = final_state.find(k); it != final_state.end()) observe.found = it->second;
    // No parallel operation on the key (most keys of a trial): its final state is its initial one.
    if (ops.empty() && observe.found == InitialValue(h, k)) continue;
    ops.push_back(observe);
    const LinOutcome r = CheckKeyLinearizable(InitialValue(h, k), ops, options.linearizability_budget);
    if (r.verdict == LinVerdict::kUndecided) finding.undecided = true;
    if (r.verdict != LinVerdict::kNotLinearizable) continue;
    const std::string state = observe.found ? absl::StrCat("held ", *observe.found) : "was absent";
    finding.violation = Violation{
        Invariant::kQuiescentState,
        absl::StrCat("after the threads joined, key ", k, " ", state,
                     ", but no order of the operations on key ", k,
                     " consistent with their timing ends in that state"),
        DescribeOps(ops, h.parallel_end + 1, 12)};
    return finding;
  }
  return finding;
}

}  // namespace mapfault::checkers
