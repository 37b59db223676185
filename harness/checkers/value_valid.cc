// iter.value-valid: every yielded value was written to its key by an operation that could be current
// at some instant of the iteration window. A write W(k, v) (or the initial state) qualifies for a
// yield of (k, v) at time y when W was invoked before y and no other write or removal of k
// definitely took effect after W and before the iteration began. Yields of keys that cannot have
// been present at all are left to iter.no-phantom.
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

Finding ValueValid(const HistoryIndex& index, const CheckOptions&) {
  for (const OpRecord* f : index.iterations()) {
    for (const YieldRecord& y : f->yields) {
      if (!index.PossiblyPresent(y.key, f->invoke, y.at, f, nullptr)) continue;
      const std::vector<KeyEvent>& events = *index.Events(y.key);
      const KeyEvent* writer = nullptr;
      const KeyEvent* superseded_by = nullptr;
      for (const KeyEvent& w : events) {
        const bool writes = w.kind == KeyEvent::Kind::kInitial || w.kind == KeyEvent::Kind::kWrite;
        if (!writes || w.value != y.value) continue;
        if (w.kind != KeyEvent::Kind::kInitial && w.begin >= y.at) continue;
        if (w.kind != KeyEvent::Kind::kInitial && w.end == 0) {
          writer = &w;
          break;
        }
        const uint64_t w_end = w.kind == KeyEvent::Kind::kInitial ? 0 : w.end;
        const KeyEvent* killer = nullptr;
        for (const KeyEvent& e : events) {
          const bool changes = e.kind == KeyEvent::Kind::kRemove ||
                               (e.kind == KeyEvent::Kind::kWrite && e.value != y.value);
          if (changes && e.op != f && e.begin > w_end && e.DefinitelyBefore(f->invoke)) {
            killer = &e;
            break;
          }
        }
        if (killer == nullptr) {
          writer = &w;
          break;
        }
        superseded_by = killer;
      }
      if (writer != nullptr) continue;
      std::string why =
          superseded_by != nullptr
              ? absl::StrCat("every write of that value was overwritten or removed by ",
                             superseded_by->Describe(), " before the iteration began at t=",
                             f->invoke)
              : absl::StrCat("no operation wrote value ", y.value, " to key ", y.key,
                             " before the yield");
      return {Violation{Invariant::kIterValueValid, absl::StrCat(DescribeYield(*f, y), ", but ", why),
                        {DescribeYield(*f, y)}}};
    }
  }
  return {};
}

}  // namespace mapfault::checkers
