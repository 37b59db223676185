// iter.no-phantom: every yielded key could have been present at some instant of the yield's read
// window [ReadFrom, ReadTo] (history.h: the iteration's start up to the visit, or the window the
// backend's read point gives), by HistoryIndex::PossiblyPresent, ignoring the iteration itself: an
// iteration's own erase-this is not evidence against its later yields, no-duplicate and
// erase-honoured judge those. Only removals that certainly happened rule a presence out (an
// erase-this of unknown outcome does not). Every yield is judged at once
// (HistoryIndex::YieldsPossiblyPresent); a phantom is asked again for its explanation. Also
// defines DescribeYield, shared by the iteration checkers.
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

std::string DescribeYield(const OpRecord& iteration, const YieldRecord& y) {
  std::string read;
  if (y.read_to != 0) read = absl::StrCat(" (read at t=", y.read_from, "..", y.read_to, ")");
  std::string erase;
  if (y.action == VisitAction::kEraseThis) {
    erase = y.erase == EraseOutcome::kDeclined  ? " and asked to erase it (declined)"
            : y.erase == EraseOutcome::kUnknown ? " and asked to erase it (outcome unknown)"
                                                : " and erased it";
  }
  return absl::StrCat(Who(iteration), " yielded key ", y.key, " (value ", y.value, ") at t=", y.at,
                      read, erase);
}

Finding NoPhantom(const HistoryIndex& index, const CheckOptions&) {
  const std::span<const uint8_t> possible = index.YieldsPossiblyPresent();  // every yield at once
  size_t i = 0;
  for (const OpRecord* f : index.iterations()) {
    for (const YieldRecord& y : f->yields) {
      if (possible[i++] != 0) continue;
      std::string why;  // asked again, for the explanation
      index.PossiblyPresent(y.key, ReadFrom(*f, y), ReadTo(y), f, &why);
      return {Violation{Invariant::kIterNoPhantom,
                        absl::StrCat(DescribeYield(*f, y), ", but ", why),
                        {DescribeYield(*f, y)}}};
    }
  }
  return {};
}

}  // namespace mapfault::checkers
