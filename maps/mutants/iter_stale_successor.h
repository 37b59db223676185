// Mutant iter_stale_successor: an iteration that takes the lock one step at a time and, between two
// steps, keeps a pointer to the node it will show next.
//
// Correct version: `mutex` (the lock is held for the whole iteration), or this step-by-step design
// with a cursor that survives the unlock: remember the KEY of the next entry (or pin the node so
// that erase defers freeing it) and look the position up again after re-taking the lock.
//
// What is wrong: each step takes the lock, shows one entry (the visitor runs under the lock, so
// erase-this is safe), reads the entry's successor, and releases the lock; the next step starts
// from that successor pointer. Single-threaded this is correct (erase-this unlinks the node just
// shown, never its successor), but between two steps another thread may erase the successor: the
// next step shows a freed node (the debug heap poisons it: key and value 0xdddd...) and follows its
// poisoned next pointer. Growth is pinned while an iteration runs: the stale pointer is the bug.
//
// Breaks: no-crash (the poisoned next pointer is a non-canonical address; just before faulting, the
// iteration shows the key 0xdddd...). Once the pool has reused the node, the iteration instead
// wanders into another entry's chain and skips or repeats entries.
// Witness: concurrent-erase-all (T0 erases every entry through its visitor while T1 erases every
// key, so the successor T0 keeps is often the next key T1 erases).
// Depth 2 (PCT): the erase of the successor must come after the step that read it (1) and before
// the next step (2): one priority change point between two steps.
#ifndef MAPFAULT_MAPS_MUTANTS_ITER_STALE_SUCCESSOR_H_
#define MAPFAULT_MAPS_MUTANTS_ITER_STALE_SUCCESSOR_H_

#include "maps/mutex_map.h"

namespace mapfault {

template <class Sync>
class IterStaleSuccessorMap : public MutexMap<Sync> {
 public:
  void ForEach(Visitor visit, IterKind) {
    {
      LockGuard g(this->mu_, "stale_successor.lock: begin iteration");
      this->table_.PinGrowth();  // no rehash until the last iteration ends
    }
    size_t b = 0;
    typename ChainedTable<Sync>::Node* node = nullptr;  // to show next; nullptr: the next bucket
    for (VisitAction action = VisitAction::kContinue; action != VisitAction::kStop;) {
      LockGuard g(this->mu_, "stale_successor.lock: iteration step");
      while (node == nullptr && b < this->table_.BucketCount()) node = this->table_.Head(b++);
      if (node == nullptr) break;
      // BUG: unless just read from a bucket head, `node` is the successor read in the previous
      // step, before the lock was released; another thread may have erased it since.
      Sync::Yield("stale_successor.iter: show node");
      const Key k = node->key.Get();
      action = visit(k, node->value.Get());
      Sync::Yield("stale_successor.iter: read successor");
      node = node->next.Get();  // read before erase-this unlinks the node shown: fine on its own
      if (action == VisitAction::kEraseThis) visit.EraseResult(k, this->table_.Erase(k));
    }
    LockGuard g(this->mu_, "stale_successor.lock: end iteration");
    this->table_.UnpinGrowth();
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_ITER_STALE_SUCCESSOR_H_
