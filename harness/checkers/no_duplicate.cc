// iter.no-duplicate: one for_each yields no key twice. With the contract relaxation
// duplicate_allows_reinsert (Go's spec), a second yield is allowed when a removal of the key and a
// later write of it could both lie between the two reads: the removal (erase -> true, clear, any
// erase-this that was not declined, the iteration's own included) invoked before the second yield's
// read window ends and not completed before the first one's begins, and a write invoked before the
// second read window ends and completed neither before the removal began nor before the first read
// window began (so some real-time order has first read < removal < write < second read). Read
// windows: history.h.
#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "harness/checkers/checkers_internal.h"

namespace mapfault::checkers {

namespace {

// Could key k have been removed and then written again between times a and b?
bool ReinsertedBetween(const HistoryIndex& index, Key k, uint64_t a, uint64_t b) {
  const KeyEvents* events = index.Events(k);
  if (events == nullptr) return false;
  for (const KeyEvent& r : *events) {
    if (!r.MayRemove() || r.begin >= b || (r.end != 0 && r.end < a)) continue;
    for (const KeyEvent& w : *events) {
      // The write follows the removal and the first read: it must not have completed before
      // either began (all four pairs of the chain first read < removal < write < second read).
      if (w.kind == KeyEvent::Kind::kWrite && w.begin < b &&
          (w.end == 0 || (w.end > r.begin && w.end >= a))) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Finding NoDuplicate(const HistoryIndex& index, const CheckOptions& options) {
  // The latest yield of each key by the current iteration: by KeyOrdinal, and in a hash map for
  // keys without events (a phantom key yielded twice is a duplicate too).
  thread_local std::vector<const YieldRecord*> seen_by_ordinal;  // kept for the next history
  seen_by_ordinal.assign(index.keys().size(), nullptr);
  absl::flat_hash_map<Key, const YieldRecord*> seen_other;
  const OpRecord* previous = nullptr;
  for (const OpRecord* f : index.iterations()) {
    // Reset only the slots the previous iteration set (a fill would cost O(keys) per iteration).
    if (previous != nullptr) {
      for (const YieldRecord& y : previous->yields) {
        const int i = index.KeyOrdinal(y.key);
        if (i >= 0) seen_by_ordinal[static_cast<size_t>(i)] = nullptr;
      }
    }
    previous = f;
    seen_other.clear();
    for (const YieldRecord& y : f->yields) {
      const int i = index.KeyOrdinal(y.key);
      const YieldRecord*& slot =
          i >= 0 ? seen_by_ordinal[static_cast<size_t>(i)] : seen_other[y.key];
      if (slot == nullptr) {
        slot = &y;
        continue;
      }
      const YieldRecord& first = *slot;
      if (options.duplicate_allows_reinsert &&
          ReinsertedBetween(index, y.key, ReadFrom(*f, first), ReadTo(y))) {
        slot = &y;
        continue;
      }
      return {Violation{Invariant::kIterNoDuplicate,
                        absl::StrCat(Who(*f), " yielded key ", y.key, " twice (at t=", first.at,
                                     " and at t=", y.at, ")",
                                     options.duplicate_allows_reinsert
                                         ? " and no one erased and re-inserted it in between"
                                         : ""),
                        {DescribeYield(*f, first), DescribeYield(*f, y)}}};
    }
  }
  return {};
}

}  // namespace mapfault::checkers
