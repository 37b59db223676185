// CheckHistory: runs the requested checkers over one shared index of the history.
#include "harness/checkers/checkers.h"

#include "harness/checkers/checkers_internal.h"

namespace mapfault {

CheckResult CheckHistory(const History& history, const CheckOptions& options) {
  CheckResult result;
  const HistoryIndex index(history);
  using Fn = checkers::Finding (*)(const HistoryIndex&, const CheckOptions&);
  static constexpr std::pair<Invariant, Fn> kCheckers[] = {
      {Invariant::kLinearizable, checkers::Linearizable},
      {Invariant::kIterNoDuplicate, checkers::NoDuplicate},
      {Invariant::kIterNoMissedStable, checkers::NoMissedStable},
      {Invariant::kIterNoPhantom, checkers::NoPhantom},
      {Invariant::kIterValueValid, checkers::ValueValid},
      {Invariant::kIterEraseHonoured, checkers::EraseHonoured},
      {Invariant::kCheckThenAct, checkers::CheckThenAct},
      {Invariant::kSizeBounds, checkers::SizeBounds},
      {Invariant::kQuiescentState, checkers::QuiescentState},
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
