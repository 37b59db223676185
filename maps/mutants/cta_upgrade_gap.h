// Mutant cta_upgrade_gap: a reader-writer-locked map whose conditional erase decides under the shared
// lock and erases after "upgrading" to the exclusive lock, without re-checking.
//
// Correct version: `rwlock` (maps/rwlock_map.h): an iteration that may erase holds the lock
// exclusively from the first entry shown to the last erase. (Or: after re-acquiring exclusively,
// erase an entry only if it still holds the value the visitor was shown.)
//
// What is wrong: so that readers are not blocked by a long expiry scan, an iteration that may erase
// shows the entries under the SHARED lock and only collects the ones the visitor chose; to erase them
// it needs the exclusive lock, and a shared lock cannot be upgraded in place (std::shared_mutex has
// no upgrade), so it releases the shared lock and acquires the exclusive one. Then it erases the
// collected keys without looking at them again. A writer that was waiting for the lock gets in
// between: an entry it refreshed after the visitor saw it expired is erased anyway. This is
// collect_then_delete's bug in a map that claims check-then-act (the visitor runs under the lock,
// so what it sees is current; only the act is late).
//
// Breaks: check-then-act (an entry refreshed in the upgrade gap is removed).
// Witness: conditional-erase (T0 erases expired entries while the others refresh entries; a refresh
// that arrives during the scan waits for the lock and is often the one to get it in the gap).
//
// Depth 2 (PCT): the refresh must come after the visit that chose the entry (1) and before the
// erase (2): one priority change point in the gap.
#ifndef MAPFAULT_MAPS_MUTANTS_CTA_UPGRADE_GAP_H_
#define MAPFAULT_MAPS_MUTANTS_CTA_UPGRADE_GAP_H_

#include <vector>

#include "maps/rwlock_map.h"

namespace mapfault {

template <class Sync>
class CtaUpgradeGapMap : public RwLockMap<Sync> {
 public:
  void ForEach(Visitor visit, IterKind kind) {
    if (kind == IterKind::kReadOnly) {
      RwLockMap<Sync>::ForEach(visit, kind);
      return;
    }
    std::vector<Key> doomed;
    {
      SharedLockGuard g(this->mu_, "rwlock.lock_shared: for_each (may erase: choose under shared)");
      this->table_.ForEach(
          [&](Key k, Value v) {
            const VisitAction action = visit(k, v);
            if (action == VisitAction::kEraseThis) doomed.push_back(k);
            return action == VisitAction::kStop ? VisitAction::kStop : VisitAction::kContinue;
          },
          IterKind::kReadOnly);
    }
    // "Upgrade" to the exclusive lock: release, then acquire. BUG: the chosen entries are erased
    // without a re-check; a writer may have refreshed them in the gap.
    LockGuard g(this->mu_, "rwlock.lock: for_each (erase the chosen entries; BUG: no re-check)");
    for (Key k : doomed) visit.EraseResult(k, this->table_.Erase(k));
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_CTA_UPGRADE_GAP_H_
