// iter.no-missed-stable: judged only for iterations that returned without the visitor saying stop.
// A key is stable for iteration F when it was certainly present throughout F's window
// (HistoryIndex::DefinitelyPresentThroughout, ignoring F's own erase-this: F can only erase what it
// has already yielded); a stable key must be yielded.
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

Finding NoMissedStable(const HistoryIndex& index, const CheckOptions&) {
  for (const OpRecord* f : index.iterations()) {
    if (!f->completed() || f->stopped) continue;
    absl::flat_hash_set<Key> yielded;
    for (const YieldRecord& y : f->yields) yielded.insert(y.key);
    for (const auto& [k, events] : index.keys()) {
      if (yielded.contains(k)) continue;
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
