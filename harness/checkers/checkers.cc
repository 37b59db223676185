// CheckHistory: runs the requested checkers (the kHistory rows of harness/base/invariants.def)
// over one shared index of the history.
#include "harness/checkers/checkers.h"

#include "harness/checkers/checkers_internal.h"

namespace mapfault {

CheckResult CheckHistory(const History& history, const CheckOptions& options) {
  CheckResult result;
  const HistoryIndex index(history);
  using Fn = checkers::Finding (*)(const HistoryIndex&, const CheckOptions&);
  // The kHistory rows of invariants.def, in its (report) order.
  static constexpr std::pair<Invariant, Fn> kCheckers[] = {
#define MAPFAULT_CHECKER_kHistory(e, checker) {Invariant::e, checkers::checker},
#define MAPFAULT_CHECKER_kRun(e, checker)
#define MAPFAULT_INVARIANT(e, value, id, short_name, description, judged_from, checker, builds) \
  MAPFAULT_CHECKER_##judged_from(e, checker)
#include "harness/base/invariants.def"
#undef MAPFAULT_CHECKER_kHistory
#undef MAPFAULT_CHECKER_kRun
  };
  for (const auto& [inv, check] : kCheckers) {
    if (!options.which.Contains(inv)) continue;
    checkers::Finding f = check(index, options);
    if (f.violation) result.violations.push_back(std::move(*f.violation));
    if (f.undecided && !f.violation) result.undecided.Add(inv);
  }
  return result;
}

}  // namespace mapfault
