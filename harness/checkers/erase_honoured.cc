// iter.erase-honoured (the Go rule): an entry the iterating thread erased itself is not yielded again
// by the same iteration unless someone re-inserted it in between. With the visitor interface the
// iterating thread erases an entry through erase-this when it is shown; a later yield of that key in
// the same iteration must be explained by a write of the key (by another operation) that could lie
// between the erase-this and the later yield.
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

Finding EraseHonoured(const HistoryIndex& index, const CheckOptions&) {
  for (const OpRecord* f : index.iterations()) {
    absl::flat_hash_map<Key, const YieldRecord*> erased;
    for (const YieldRecord& y : f->yields) {
      auto it = erased.find(y.key);
      if (it != erased.end()) {
        const YieldRecord& e = *it->second;
        bool reinserted = false;
        for (const KeyEvent& w : *index.Events(y.key)) {
          if (w.kind == KeyEvent::Kind::kWrite && w.op != f && w.begin < y.at &&
              (w.end == 0 || w.end > e.at)) {
            reinserted = true;
          }
        }
        if (!reinserted) {
          return {Violation{
              Invariant::kIterEraseHonoured,
              absl::StrCat(Who(*f), " erased key ", y.key, " itself at t=", e.at,
                           " (erase-this) but yielded it again at t=", y.at,
                           " although no one re-inserted it"),
              {DescribeYield(*f, e), DescribeYield(*f, y)}}};
        }
        erased.erase(it);
      }
      if (y.action == VisitAction::kEraseThis) erased[y.key] = &y;
    }
  }
  return {};
}

}  // namespace mapfault::checkers
