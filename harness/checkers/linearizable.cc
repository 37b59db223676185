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

namespace {

// Whether every post-part operation among `ops` began after the join (`parallel_end`): then an
// observation of the contents at parallel_end precedes them all in any order consistent with
// their timing.
bool PostPartAfterJoin(const std::vector<LinOp>& ops, uint64_t parallel_end) {
  return std::all_of(ops.begin(), ops.end(), [&](const LinOp& op) {
    return op.source->op->thread >= 0 || op.invoke > parallel_end;
  });
}

}  // namespace

// With the contents after the join known, each key is first searched with an observation of its
// contents at parallel_end added to its operations (ReachesFinalContents). An order of them all
// that explains every result shows both this checker's claim (drop the observation: it changes
// nothing) and quiescent-state's (every parallel operation that returned ended before the
// observation, and every post operation began after it, so the order up to the observation is one
// of the parallel operations that ends in the contents); the key is marked in ReachesFinalContents
// and quiescent-state does not search it again. Otherwise (no such order, or undecided) the key is
// searched without the observation, as each checker alone would.
Finding Linearizable(const HistoryIndex& index, const CheckOptions& options) {
  Finding finding;
  const History& h = index.history();
  thread_local std::vector<LinOp> ops;  // one buffer for every key, kept for the next history
  thread_local std::vector<std::optional<Value>> held;
  std::vector<uint8_t>& reaches = index.ReachesFinalContents();
  reaches.assign(h.final_state ? index.keys().size() : 0, 0);
  if (h.final_state) FinalContentsByOrdinal(index, held);
  for (size_t i = 0; i < index.keys().size(); ++i) {
    const auto& [k, events] = index.keys()[i];
    if (OnlyInitial(events)) continue;  // no operation on it: nothing to order
    KeyOpsInto(index, k, /*include_post=*/true, ops);
    if (h.final_state && PostPartAfterJoin(ops, h.parallel_end)) {
      ObserveFinalContents(h, held[i], ops);
      const LinOutcome both =
          CheckKeyLinearizable(InitialValue(index, k), ops, options.linearizability_budget);
      ops.pop_back();
      if (both.verdict == LinVerdict::kLinearizable) {
        reaches[i] = 1;
        continue;
      }
    }
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
