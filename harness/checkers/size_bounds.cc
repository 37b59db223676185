// size-bounds: size() returns a count that some instant of its window could have had. Bounds, per
// size() call S with window [a, b]: at least the number of keys certainly present throughout [a, b]
// (HistoryIndex::DefinitelyPresentThroughout), at most the number of keys possibly present at some
// instant of it (HistoryIndex::PossiblyPresent). Both use removals only, so a wrong find() or a wrong
// iteration never turns into blame for size().
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

namespace {

// The keys certainly present throughout [from, to], and those possibly present at some instant of
// it (counted by SizeBounds; listed only for a violation's explanation).
void Bounds(const HistoryIndex& index, const OpRecord& s, std::vector<Key>& certain,
            std::vector<Key>& possible) {
  for (const auto& [k, events] : index.keys()) {
    if (index.DefinitelyPresentThroughout(k, s.invoke, s.response, nullptr, nullptr)) {
      certain.push_back(k);
    }
    if (index.PossiblyPresent(k, s.invoke, s.response, nullptr, nullptr)) possible.push_back(k);
  }
}

}  // namespace

Finding SizeBounds(const HistoryIndex& index, const CheckOptions&) {
  for (const OpRecord* s : index.sizes()) {
    if (!s->completed()) continue;
    size_t certain_count = 0, possible_count = 0;
    const uint64_t from = s->invoke, to = s->response;
    for (const auto& [k, events] : index.keys()) {
      certain_count += index.DefinitelyPresentThroughout(k, from, to, nullptr, nullptr);
      possible_count += index.PossiblyPresent(k, from, to, nullptr, nullptr);
    }
    if (s->size >= certain_count && s->size <= possible_count) continue;
    std::vector<Key> certain, possible;
    Bounds(index, *s, certain, possible);
    const bool low = s->size < certain.size();
    return {Violation{
        Invariant::kSizeBounds,
        absl::StrCat(Who(*s), " returned ", s->size, " [t=", s->invoke, "..", s->response, "], but ",
                     low ? absl::StrCat("at least ", certain.size(),
                                        " keys were present throughout its window: ",
                                        absl::StrJoin(certain, ", "))
                         : absl::StrCat("at most ", possible.size(),
                                        " keys could have been present in its window: ",
                                        possible.empty() ? "none" : absl::StrJoin(possible, ", "))),
        {absl::StrCat(Who(*s), " -> ", s->size, " [t=", s->invoke, "..", s->response, "]")}}};
  }
  return {};
}

}  // namespace mapfault::checkers
