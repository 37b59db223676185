// The individual checkers behind CheckHistory (harness/checkers.h); one file each.
#ifndef MAPFAULT_HARNESS_CHECKERS_CHECKERS_INTERNAL_H_
#define MAPFAULT_HARNESS_CHECKERS_CHECKERS_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
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

Finding NoDuplicate(const HistoryIndex& index, const CheckOptions& options);
Finding NoMissedStable(const HistoryIndex& index, const CheckOptions& options);
Finding NoPhantom(const HistoryIndex& index, const CheckOptions& options);
Finding ValueValid(const HistoryIndex& index, const CheckOptions& options);
Finding EraseHonoured(const HistoryIndex& index, const CheckOptions& options);
Finding CheckThenAct(const HistoryIndex& index, const CheckOptions& options);
Finding SizeBounds(const HistoryIndex& index, const CheckOptions& options);
Finding Linearizable(const HistoryIndex& index, const CheckOptions& options);
Finding QuiescentState(const HistoryIndex& index, const CheckOptions& options);

// "T0 for_each() yielded key 3 (value 1003) at t=7".
std::string DescribeYield(const OpRecord& iteration, const YieldRecord& y);

// Lines describing the operations of `ops` invoked before `until`, oldest first (at most `limit`).
std::vector<std::string> DescribeOps(const std::vector<LinOp>& ops, uint64_t until, size_t limit);

}  // namespace mapfault::checkers

#endif  // MAPFAULT_HARNESS_CHECKERS_CHECKERS_INTERNAL_H_
