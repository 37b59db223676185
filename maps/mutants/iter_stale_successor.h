// Mutant iter_stale_successor: an iteration that takes the lock one step at a time and, between two
// steps, keeps a pointer to the node it will show next.
//
// Correct version: `mutex` (the lock is held for the whole iteration), or this step-by-step design
// with a cursor that survives the unlock: remember the KEY of the next entry (or pin the node so
// that erase defers freeing it) and look the position up again after re-taking the lock.
//
// What is wrong: to let writers in during a long iteration, each step takes the lock, shows one
// entry (the visitor runs under the lock, so erase-this is safe), reads the entry's successor, and
// releases the lock; the next step starts from that successor pointer. Single-threaded this is
// correct: erase-this unlinks the node just shown, never the successor read before it. But between
// two steps another thread may erase the successor: the next step then shows a freed node (the
// table's debug heap poisons it: key and value 0xdddd...) and follows its poisoned next pointer.
// Growth is deferred while an iteration is registered, so the bucket array itself stays put: the
// stale node pointer is the only bug.
//
// Breaks: no-crash (the freed successor's next pointer is a poisoned, non-canonical address; just
// before faulting, the iteration shows the poisoned key 0xdddd...). Once the pool has reused the
// node, the iteration instead wanders into another entry's chain and skips or repeats entries.
// Witness: concurrent-erase-all (T0 erases every entry through its visitor while T1 erases every
// key, so the successor T0 keeps is often the next key T1 erases).
//
// Depth 2 (PCT): the erase of the successor must come after the step that read it (1) and before
// the next step (2): one priority change point between two steps.
#ifndef MAPFAULT_MAPS_MUTANTS_ITER_STALE_SUCCESSOR_H_
#define MAPFAULT_MAPS_MUTANTS_ITER_STALE_SUCCESSOR_H_

#include "harness/engine/sync.h"
#include "maps/mutants/node_table.h"

namespace mapfault {

template <class Sync>
class IterStaleSuccessorMap {
 public:
  bool Insert(Key k, Value v) {
    LockGuard g(mu_, "mutex.lock: insert");
    if (!table_.InsertNoGrow(k, v)) return false;
    if (iterations_ == 0 && table_.NeedsGrow()) table_.Grow();  // else: after the iterations
    return true;
  }
  void Assign(Key k, Value v) {
    LockGuard g(mu_, "mutex.lock: assign");
    if (table_.AssignNoGrow(k, v) && iterations_ == 0 && table_.NeedsGrow()) table_.Grow();
  }
  bool Erase(Key k) {
    LockGuard g(mu_, "mutex.lock: erase");
    return table_.Erase(k);
  }
  std::optional<Value> Find(Key k) {
    LockGuard g(mu_, "mutex.lock: find");
    return table_.Find(k);
  }
  size_t Size() {
    LockGuard g(mu_, "mutex.lock: size");
    return table_.Size();
  }
  void Clear() {
    LockGuard g(mu_, "mutex.lock: clear");
    table_.Clear();
  }

  void ForEach(Visitor visit, IterKind) {
    {
      LockGuard g(mu_, "stale_successor.lock: begin iteration");
      ++iterations_;  // pins the bucket array: no rehash until the last iteration ends
    }
    size_t b = 0;
    Node* node = nullptr;  // the next node to show; nullptr: start the next bucket
    for (;;) {
      LockGuard g(mu_, "stale_successor.lock: iteration step");
      if (node == nullptr) {
        while (b < table_.BucketCount() && table_.Head(b) == nullptr) ++b;
        if (b == table_.BucketCount()) break;
        node = table_.Head(b++);
      }
      // BUG: unless it was just read from the bucket head, `node` is the successor read in the
      // previous step, before the lock was released; another thread may have erased it since.
      Sync::Yield("stale_successor.iter: show node");
      const Key k = node->key;
      const VisitAction action = visit(k, node->value);
      Sync::Yield("stale_successor.iter: read successor");
      Node* successor = node->next;  // read before erase-this unlinks `node`: fine on its own
      if (action == VisitAction::kEraseThis) table_.Erase(k);
      if (action == VisitAction::kStop) break;
      node = successor;
    }
    LockGuard g(mu_, "stale_successor.lock: end iteration");
    if (--iterations_ == 0 && table_.NeedsGrow()) table_.Grow();
  }

 private:
  using Node = typename NodeTable<Sync>::Node;

  typename Sync::Mutex mu_;
  NodeTable<Sync> table_;
  int iterations_ = 0;  // guarded by mu_
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_ITER_STALE_SUCCESSOR_H_
