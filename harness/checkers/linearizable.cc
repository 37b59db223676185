// linearizable: the single-key operations (insert, assign, erase, find, plus each iteration's
// erase-this and each clear as removals whose result is not judged) form a linearizable history
// against a sequential map, checked per key (maps are P-compositional). size() is judged by
// size-bounds and the yields of for_each by the iteration checkers, not here. A clear is split into
// one removal per key, so a history that needs one clear to take effect at different instants for
// different keys is accepted (a documented relaxation). A key whose search exceeds the budget makes
// the verdict "undecided" for the trial, never a violation.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"
#include "harness/checkers/linearizability.h"

namespace mapfault::checkers {

// Lines describing the operations of `ops` that began before `until` (at most `limit`).
std::vector<std::string> DescribeOps(const std::vector<LinOp>& ops, uint64_t until, size_t limit) {
  std::vector<const LinOp*> sorted;
  for (const LinOp& op : ops) {
    if (op.source != nullptr && op.invoke < until) sorted.push_back(&op);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const LinOp* a, const LinOp* b) { return a->invoke < b->invoke; });
  std::vector<std::string> out;
  for (const LinOp* op : sorted) {
    if (out.size() == limit) {
      out.push_back(absl::StrCat("... and ", sorted.size() - limit, " more"));
      break;
    }
    out.push_back(op->source->Describe());
  }
  return out;
}

Finding Linearizable(const HistoryIndex& index, const CheckOptions& options) {
  Finding finding;
  thread_local std::vector<LinOp> ops;  // one buffer for every key, kept for the next history
  for (const auto& [k, events] : index.keys()) {
    if (OnlyInitial(events)) continue;  // no operation on it: nothing to order
    KeyOpsInto(index, k, /*include_post=*/true, ops);
    const LinOutcome r =
        CheckKeyLinearizable(InitialValue(index, k), ops, options.linearizability_budget);
    if (r.verdict == LinVerdict::kUndecided) finding.undecided = true;
    if (r.verdict != LinVerdict::kNotLinearizable) continue;
    const LinOp& bad = ops[r.failing_op];
    finding.violation = Violation{
        Invariant::kLinearizable,
        absl::StrCat("the operations on key ", k,
                     " cannot be ordered the way a sequential map would run them: no order "
                     "consistent with their timing explains ",
                     bad.source->Describe(), " (the operations on key ", k,
                     " up to then are listed below)"),
        DescribeOps(ops, bad.response, 12)};
    return finding;
  }
  return finding;
}

}  // namespace mapfault::checkers
