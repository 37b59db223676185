// iter.no-phantom: every yielded key could have been present at some instant between the
// iteration's start and the yield (HistoryIndex::PossiblyPresent, ignoring the iteration itself: an
// iteration's own erase-this is not evidence against its later yields, no-duplicate and
// erase-honoured judge those). Also defines DescribeYield, shared by the iteration checkers.
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

std::string DescribeYield(const OpRecord& iteration, const YieldRecord& y) {
  return absl::StrCat(Who(iteration), " yielded key ", y.key, " (value ", y.value, ") at t=", y.at,
                      y.action == VisitAction::kEraseThis ? " and erased it" : "");
}

Finding NoPhantom(const HistoryIndex& index, const CheckOptions&) {
  for (const OpRecord* f : index.iterations()) {
    for (const YieldRecord& y : f->yields) {
      std::string why;
      if (index.PossiblyPresent(y.key, f->invoke, y.at, f, &why)) continue;
      return {Violation{Invariant::kIterNoPhantom,
                        absl::StrCat(DescribeYield(*f, y), ", but ", why),
                        {DescribeYield(*f, y)}}};
    }
  }
  return {};
}

}  // namespace mapfault::checkers
