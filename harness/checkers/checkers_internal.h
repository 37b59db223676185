// The individual checkers behind CheckHistory (checkers.h); one file each, declared from
// harness/base/invariants.def.
#ifndef MAPFAULT_HARNESS_CHECKERS_CHECKERS_INTERNAL_H_
#define MAPFAULT_HARNESS_CHECKERS_CHECKERS_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/checkers/checkers.h"
#include "harness/checkers/history_index.h"
#include "harness/checkers/linearizability.h"

namespace mapfault::checkers {

// What a checker concluded: nothing, a violation, or that it could not decide within its budget.
struct Finding {
  std::optional<Violation> violation;
  bool undecided = false;
};

// One checker per kHistory row of harness/base/invariants.def (its Checker column), defined in its
// own file: Finding <Checker>(const HistoryIndex&, const CheckOptions&).
#define MAPFAULT_CHECKER_kHistory(checker) \
  Finding checker(const HistoryIndex& index, const CheckOptions& options);
#define MAPFAULT_CHECKER_kRun(checker)
#define MAPFAULT_INVARIANT(e, value, id, short_name, description, judged_from, checker, builds) \
  MAPFAULT_CHECKER_##judged_from(checker)
#include "harness/base/invariants.def"
#undef MAPFAULT_CHECKER_kHistory
#undef MAPFAULT_CHECKER_kRun

// "T0 for_each() yielded key 3 (value 1003) at t=7".
std::string DescribeYield(const OpRecord& iteration, const YieldRecord& y);

// Lines describing the operations of `ops` invoked before `until`, oldest first (at most `limit`).
std::vector<std::string> DescribeOps(const std::vector<LinOp>& ops, uint64_t until, size_t limit);

// The contents after the join by key ordinal (held[i]: key i's value, nullopt when absent; a key
// the final iteration yielded twice counts with its first value), and the keys no event names,
// sorted, first value each, into `others` when it is given. Requires history().final_state.
void FinalContentsByOrdinal(const HistoryIndex& index, std::vector<std::optional<Value>>& held,
                            std::vector<std::pair<Key, Value>>* others = nullptr);

// Appends to `ops` the harness's observation of key contents `found` after the join, at
// parallel_end: the last operation of quiescent-state's search for a key. (Written in place: a
// LinOp returned by value was reloaded with wide loads over its narrower stores, a store-forwarding
// stall that was half of Linearizable's own cycles.)
void ObserveFinalContents(const History& h, std::optional<Value> found, std::vector<LinOp>& ops);

}  // namespace mapfault::checkers

#endif  // MAPFAULT_HARNESS_CHECKERS_CHECKERS_INTERNAL_H_
