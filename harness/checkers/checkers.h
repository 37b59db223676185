// The oracle: every invariant checker of DESIGN.md section 3 that judges a trial from its history
// (no-crash, no-hang and misuse-detected are judged from how the trial ended: see trial.h and
// worker.h). Each checker lives in its own file under harness/checkers/ with its exact definition,
// including the corners DESIGN.md leaves open, in a comment at its top.
//
// Time is the history's logical clock; judgements are conservative: operations whose intervals
// overlap may have taken effect in either order, and only what is definite counts against the
// backend.
#ifndef MAPFAULT_HARNESS_CHECKERS_CHECKERS_H_
#define MAPFAULT_HARNESS_CHECKERS_CHECKERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/base/history.h"
#include "harness/base/types.h"

namespace mapfault {

struct Violation {
  Invariant invariant;
  std::string explanation;             // one sentence naming keys, values, operations and times
  std::vector<std::string> evidence = {};  // the events that prove it, one per line
};

// What a backend's contract relaxes, and how hard the checkers may work.
struct CheckOptions {
  InvariantSet which = InvariantSet::All();
  // Contract relaxation (Go's spec allows it): a key may be yielded twice by one iteration when it
  // was erased and re-inserted between the two yields.
  bool duplicate_allows_reinsert = false;
  // Linearizability search steps per key before the answer is "undecided".
  uint64_t linearizability_budget = 200000;
};

struct CheckResult {
  std::vector<Violation> violations;  // at most one per invariant (the first found)
  InvariantSet undecided;             // invariants a budget stopped from deciding
  InvariantSet violated() const {
    InvariantSet s;
    for (const Violation& v : violations) s.Add(v.invariant);
    return s;
  }
};

CheckResult CheckHistory(const History& history, const CheckOptions& options);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CHECKERS_CHECKERS_H_
