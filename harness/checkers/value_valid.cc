// iter.value-valid: every yielded value was written to its key by an operation that could be current
// at some instant of the yield's read window [ReadFrom, ReadTo] (history.h). A write W(k, v) (or the
// initial state) qualifies for a yield of (k, v) read in [r0, r1] when W was invoked before r1 and
// no other write or certain removal of k definitely took effect after W and before r0 (an erase-this
// of unknown outcome or a declined one does not count). Yields of keys that cannot have been present
// at all are left to iter.no-phantom.
#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

Finding ValueValid(const HistoryIndex& index, const CheckOptions&) {
  // PossiblyPresent(y.key, r0, r1, f) of every yield, judged once for no-phantom and this checker.
  const std::span<const uint8_t> possible = index.YieldsPossiblyPresent();
  size_t i = 0;
  for (const OpRecord* f : index.iterations()) {
    for (const YieldRecord& y : f->yields) {
      const uint64_t r0 = ReadFrom(*f, y), r1 = ReadTo(y);
      if (possible[i++] == 0) continue;
      const KeyEvents& events = *index.Events(y.key);
      // A change of the key (a removal, a write of another value) that definitely took effect
      // after `w` ended and before r0: it lies after `w` (events are in ascending begin time)
      // and begins before r0.
      auto killer_of = [&](KeyEvents::iterator w) -> const KeyEvent* {
        const uint64_t w_end = w->kind == KeyEvent::Kind::kInitial ? 0 : w->end;
        for (auto e = std::next(w); e != events.end() && e->begin < r0; ++e) {
          const bool changes = e->kind == KeyEvent::Kind::kRemove ||
                               (e->kind == KeyEvent::Kind::kWrite && e->value != y.value);
          if (changes && e->op != f && e->begin > w_end && e->DefinitelyBefore(r0)) return &*e;
        }
        return nullptr;
      };
      // The candidate writers: the events invoked before r1 (the initial state, at 0, first).
      // Most yields read the latest write of their value, so the search goes from the latest
      // back; when none qualifies, the latest one's killer is what the violation names.
      const auto candidates_end = std::partition_point(
          events.begin(), events.end(),
          [&](const KeyEvent& e) { return e.kind == KeyEvent::Kind::kInitial || e.begin < r1; });
      const KeyEvent* writer = nullptr;
      const KeyEvent* superseded_by = nullptr;
      for (auto w = candidates_end; w != events.begin() && writer == nullptr;) {
        --w;
        const bool initial = w->kind == KeyEvent::Kind::kInitial;
        if (!(initial || w->kind == KeyEvent::Kind::kWrite) || w->value != y.value) continue;
        if (!initial && w->end == 0) {  // never returned: it may take effect at any time
          writer = &*w;
        } else if (const KeyEvent* killer = killer_of(w); killer == nullptr) {
          writer = &*w;
        } else if (superseded_by == nullptr) {
          superseded_by = killer;
        }
      }
      if (writer != nullptr) continue;
      std::string why =
          superseded_by != nullptr
              ? absl::StrCat("every write of that value was overwritten or removed by ",
                             superseded_by->Describe(),
                             y.read_to == 0 ? " before the iteration began at t="
                                            : " before the entry was read at t=",
                             r0)
              : absl::StrCat("no operation wrote value ", y.value, " to key ", y.key,
                             y.read_to == 0 ? " before the yield" : " before the entry was read");
      return {Violation{Invariant::kIterValueValid, absl::StrCat(DescribeYield(*f, y), ", but ", why),
                        {DescribeYield(*f, y)}}};
    }
  }
  return {};
}

}  // namespace mapfault::checkers
