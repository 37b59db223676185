// iter.no-missed-stable: judged only for iterations that returned without the visitor saying stop.
// A key is stable for iteration F when it was certainly present throughout F's window
// (HistoryIndex::DefinitelyPresentThroughout, ignoring F's own erase-this: F can only erase what it
// has already yielded); a stable key must be yielded. A presence sweep (presence_sweep.h) first
// finds whether any iteration missed a stable key at all, for every key and iteration at once; only
// then are the iterations judged one by one to name the first miss.
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"
#include "harness/checkers/presence_sweep.h"

namespace mapfault::checkers {

namespace {

// Whether some judged iteration did not yield a key that was certainly present throughout it.
// The iteration's own erase-this events need not be ignored here (as the exact judgement does):
// it erased only keys it had yielded, and yielded keys are not asked about.
bool AnyStableKeyMissed(const HistoryIndex& index) {
  thread_local std::vector<PresenceWindow> windows;  // kept for the next history
  thread_local std::vector<const OpRecord*> judged;
  thread_local std::vector<uint64_t> yielded;  // key ordinal x window bits (words per key)
  thread_local PresenceSweep sweep;
  windows.clear();
  judged.clear();
  for (const OpRecord* f : index.iterations()) {
    if (!f->completed() || f->stopped) continue;
    windows.push_back({f->invoke, f->response});
    judged.push_back(f);
  }
  if (windows.empty()) return false;
  const size_t keys = index.keys().size(), n = windows.size(), words = (n + 63) / 64;
  yielded.assign(keys * words, 0);
  for (size_t w = 0; w < n; ++w) {
    for (const YieldRecord& y : judged[w]->yields) {
      const int i = index.KeyOrdinal(y.key);
      if (i >= 0) yielded[static_cast<size_t>(i) * words + w / 64] |= uint64_t{1} << (w % 64);
    }
  }
  const uint64_t last = n % 64 == 0 ? ~uint64_t{0} : (uint64_t{1} << (n % 64)) - 1;
  sweep.Reset(windows);
  for (size_t k = 0; k < keys; ++k) {
    const auto& [key, events] = index.keys()[k];
    const uint64_t* by_key = &yielded[k * words];
    if (OnlyInitial(events)) {  // present throughout every window: each must have yielded it
      for (size_t i = 0; i < words; ++i) {
        if (~by_key[i] & (i + 1 == words ? last : ~uint64_t{0})) return true;
      }
    } else if (sweep.SweepPays(events.size())) {
      sweep.Sweep(events, /*possible=*/false);
      for (size_t i = 0; i < words; ++i) {
        if (sweep.certain_bits()[i] & ~by_key[i]) return true;
      }
    } else {  // few windows for many events: ask the index about the unyielded ones only
      for (size_t w = 0; w < n; ++w) {
        if (by_key[w / 64] >> (w % 64) & 1) continue;
        if (index.DefinitelyPresentThroughout(key, windows[w].from, windows[w].to, nullptr,
                                              nullptr)) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

Finding NoMissedStable(const HistoryIndex& index, const CheckOptions&) {
  if (!AnyStableKeyMissed(index)) return {};
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
