// collect_then_delete: the "safe first choice" of the folklore. for_each copies the entries under the
// lock, releases it, shows the copies to the visitor, then erases the entries the visitor chose, each
// under the lock again. Other operations hold a Mutex.
//
// Concurrency contract:
// - claims everything but misuse-detected: what the folklore promises of it ("the safe choice").
//   The iteration is a consistent snapshot taken inside the iteration window, so the iteration
//   invariants do hold.
// - broken by design, and reported BROKEN because it is claimed: the erase of a collected entry does
//   not re-check it, so an entry refreshed by another thread after it was collected is deleted
//   anyway (check-then-act). cow_snapshot and tombstone show the fix: a conditional erase.
// - the visitor runs without the lock, so it may write through the map (visitor_writes). It sees
//   the copy, so an entry its own visitor erased before reaching it is still shown: in trials with
//   visitor writes iter.erase-honoured is not claimed (BackendInfo::kVisitorWritesBit).
// - erase-this is reported (Visitor::EraseResult) after the visits, when the chosen keys are erased.
#ifndef MAPFAULT_MAPS_COLLECT_THEN_DELETE_H_
#define MAPFAULT_MAPS_COLLECT_THEN_DELETE_H_

#include <utility>
#include <vector>

#include "harness/engine/sync.h"
#include "maps/mutex_map.h"

namespace mapfault {

template <class Sync>
class CollectThenDeleteMap : public MutexMap<Sync> {
 public:
  void ForEach(Visitor visit, IterKind) {
    std::vector<std::pair<Key, Value>> entries;
    {
      LockGuard g(this->mu_, "collect_then_delete.lock: collect");
      this->table_.ForEach(
          [&](Key k, Value v) {
            entries.emplace_back(k, v);
            return VisitAction::kContinue;
          },
          IterKind::kReadOnly);
    }
    std::vector<Key> doomed;
    for (const auto& [k, v] : entries) {
      Sync::Yield("collect_then_delete: visit copy");
      const VisitAction action = visit(k, v);
      if (action == VisitAction::kEraseThis) doomed.push_back(k);
      if (action == VisitAction::kStop) break;
    }
    for (Key k : doomed) {
      bool erased = false;
      {
        LockGuard g(this->mu_, "collect_then_delete.lock: delete collected");
        erased = this->table_.Erase(k);
      }
      visit.EraseResult(k, erased);
    }
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_COLLECT_THEN_DELETE_H_
