// Mutant size_counter_racy: a mutex map with a lock-free size(), whose counter loses updates.
//
// Correct version: `mutex` (size() reads the table's count under the lock), or this design with the
// counter updated by one atomic read-modify-write (fetch_add / fetch_sub) inside the critical
// section.
//
// What is wrong: size() is called on hot paths, so the map keeps a separate atomic counter that
// size() reads without the lock. Writers adjust it with two atomic operations, a load and then a
// store of the adjusted value:
//   size_.store(size_.load() + delta);
// single-key writers after releasing the lock (to keep the critical section short), an iteration
// that erases as it goes. Each operation is atomic; the read-modify-write is not, and the lock does
// not cover every adjustment: two adjustments at the same time both read the old count, and one is
// lost for good. The counter drifts away from the table's real size.
//
// Breaks: size-bounds (after an erase's adjustment is lost, size() reports more entries than could
// exist; after an insert's, fewer).
// Witness: concurrent-erase-all (T0 erases every entry through its visitor while T1 erases every
// key: both decrement; the post-phase size() of the empty map is not 0).
//
// Depth 2 (PCT): the other writer's load must come after this writer's load (1) and its store before
// this writer's store (2): one priority change point between the load and the store.
#ifndef MAPFAULT_MAPS_MUTANTS_SIZE_COUNTER_RACY_H_
#define MAPFAULT_MAPS_MUTANTS_SIZE_COUNTER_RACY_H_

#include <cstdint>

#include "harness/engine/sync.h"
#include "maps/mutex_map.h"

namespace mapfault {

template <class Sync>
class SizeCounterRacyMap : public MutexMap<Sync> {
 public:
  bool Insert(Key k, Value v) {
    const bool inserted = MutexMap<Sync>::Insert(k, v);
    if (inserted) Adjust(+1);
    return inserted;
  }
  void Assign(Key k, Value v) {
    int64_t delta;
    {
      LockGuard g(this->mu_, "mutex.lock: assign");
      const size_t before = this->table_.Size();
      this->table_.Assign(k, v);
      delta = static_cast<int64_t>(this->table_.Size()) - static_cast<int64_t>(before);
    }
    if (delta != 0) Adjust(delta);
  }
  bool Erase(Key k) {
    const bool erased = MutexMap<Sync>::Erase(k);
    if (erased) Adjust(-1);
    return erased;
  }
  size_t Size() { return static_cast<size_t>(size_.load()); }  // no lock: the point of the counter
  void Clear() {
    int64_t delta;
    {
      LockGuard g(this->mu_, "mutex.lock: clear");
      delta = -static_cast<int64_t>(this->table_.Size());
      this->table_.Clear();
    }
    Adjust(delta);
  }
  void ForEach(Visitor visit, IterKind kind) {
    LockGuard g(this->mu_, "mutex.lock: for_each");
    this->table_.ForEach(
        [&](Key k, Value v) {
          const VisitAction action = visit(k, v);
          if (action == VisitAction::kEraseThis) Adjust(-1);  // the table erases it
          return action;
        },
        kind);
  }

 private:
  // BUG: a load and a store, outside the lock: two writers interleaving lose an adjustment.
  void Adjust(int64_t delta) {
    const int64_t count = size_.load();
    Sync::Yield("size_counter: add the delta (BUG: not one atomic step)");
    size_.store(count + delta);
  }

  typename Sync::template Atomic<int64_t> size_{0};
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_SIZE_COUNTER_RACY_H_
