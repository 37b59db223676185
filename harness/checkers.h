// The history checkers of the controlled-mode core: iter.no-duplicate, iter.no-missed-stable and
// iter.no-phantom (DESIGN.md section 3). no-crash, no-hang and misuse-detected are judged from how the
// trial ended, not from the history (see trial.h and supervisor.h).
//
// Time is the history's logical clock. Judgements are conservative: an operation whose interval
// overlaps another's may have taken effect before or after it, and only what is *definite* counts
// against the backend.
//
// Decisions where DESIGN.md leaves a corner open:
// - no-missed-stable judges only iterations that returned without the visitor saying stop. A key is
//   stable for iteration F when it was present when F began (in the initial state, or written by an
//   insert/assign that returned before F was invoked) and no erase, clear or another iteration's
//   erase-this of it was invoked before F returned. F's own erase-this does not disqualify a key:
//   F can only erase what it has already yielded.
// - no-phantom: a yield of key k at time y is legitimate when some write of k (an insert or assign,
//   or the initial state) was invoked before y and is not definitely followed, before F began, by
//   evidence that k was absent (an erase, a find that returned absent, a clear, or another
//   iteration's erase-this of k, each entirely after the write and entirely before F was invoked).
// - no-duplicate is strict here (no re-insert exception yet).
#ifndef MAPFAULT_HARNESS_CHECKERS_H_
#define MAPFAULT_HARNESS_CHECKERS_H_

#include <string>
#include <vector>

#include "harness/history.h"
#include "harness/types.h"

namespace mapfault {

struct Violation {
  Invariant invariant;
  std::string explanation;  // one sentence naming keys, operations and logical times
};

// Runs the history checkers in `which`; at most one violation per invariant (the first found).
std::vector<Violation> CheckHistory(const History& history, InvariantSet which);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CHECKERS_H_
