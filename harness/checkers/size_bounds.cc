// size-bounds: size() returns a count that some instant of its window could have had. Bounds, per
// size() call S with window [a, b]: at least the number of keys certainly present throughout [a, b]
// (HistoryIndex::DefinitelyPresentThroughout), at most the number of keys possibly present at some
// instant of it (HistoryIndex::PossiblyPresent). Both use removals only, so a wrong find() or a wrong
// iteration never turns into blame for size(). The bounds of every size() are counted at once by a
// presence sweep (presence_sweep.h); only when one is out of bounds are the calls judged one by one
// to name the first.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/checkers/checkers_internal.h"
#include "harness/checkers/presence_sweep.h"

namespace mapfault::checkers {

namespace {

// Whether some completed size() returned a count outside its window's bounds.
bool AnySizeOutOfBounds(const HistoryIndex& index) {
  thread_local std::vector<PresenceWindow> windows;  // kept for the next history
  thread_local std::vector<const OpRecord*> calls;
  thread_local std::vector<uint32_t> certain, possible;  // counts per window
  thread_local PresenceSweep sweep;
  windows.clear();
  calls.clear();
  for (const OpRecord* s : index.sizes()) {
    if (!s->completed()) continue;
    windows.push_back({s->invoke, s->response});
    calls.push_back(s);
  }
  if (windows.empty()) return false;
  certain.assign(windows.size(), 0);
  possible.assign(windows.size(), 0);
  sweep.Reset(windows);
  uint32_t untouched = 0;  // keys only in the initial state: present throughout every window
  for (const auto& [k, events] : index.keys()) {
    if (OnlyInitial(events)) {
      ++untouched;
      continue;
    }
    sweep.Judge(index, k, events);
    for (size_t w = 0; w < windows.size(); ++w) {
      certain[w] += sweep.certain(w);
      possible[w] += sweep.possible(w);
    }
  }
  for (size_t w = 0; w < windows.size(); ++w) {
    const uint64_t size = calls[w]->size;
    if (size < certain[w] + untouched || size > possible[w] + untouched) return true;
  }
  return false;
}

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
  if (!AnySizeOutOfBounds(index)) return {};
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
