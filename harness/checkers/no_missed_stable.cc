// iter.no-missed-stable: judged only for iterations that returned without the visitor saying stop.
// A key is stable for iteration F when it was certainly present throughout F's window
// (HistoryIndex::DefinitelyPresentThroughout, ignoring F's own erase-this: F can only erase what it
// has already yielded); a stable key must be yielded.
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

Finding NoMissedStable(const HistoryIndex& index, const CheckOptions&) {
  // Whether the iteration yielded each key of the index, by KeyOrdinal (a key without events can
  // never be stable, so its yields need no slot).
  std::vector<uint32_t> yielded_by(index.keys().size(), 0);
  uint32_t mark = 0;  // the current iteration's number: a slot equal to it was yielded by it
  for (const OpRecord* f : index.iterations()) {
    if (!f->completed() || f->stopped) continue;
    ++mark;
    for (const YieldRecord& y : f->yields) {
      const int i = index.KeyOrdinal(y.key);
      if (i >= 0) yielded_by[static_cast<size_t>(i)] = mark;
    }
    for (size_t i = 0; i < index.keys().size(); ++i) {
      if (yielded_by[i] == mark) continue;
      const Key k = index.keys()[i].first;
      const KeyEvent* since = nullptr;
      if (!index.DefinitelyPresentThroughout(k, f->invoke, f->response, f, &since)) continue;
      return {Violation{
          Invariant::kIterNoMissedStable,
          absl::StrCat("key ", k, " was present for the whole iteration (since ", since->Describe(),
                       "; no one erased it before ", Who(*f), " returned at t=", f->response,
                       ") but was never visited"),
          {since->Describe(),
           absl::StrCat(Who(*f), " [t=", f->invoke, "..", f->response, "] -> ",
                        f->ResultString())}}};
    }
  }
  return {};
}

}  // namespace mapfault::checkers
