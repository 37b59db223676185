// Mutant size_counter_racy: a mutex map with a lock-free size(), whose counter loses updates.
//
// Correct version: `mutex` (size() reads the table's count under the lock), or this design with the
// counter updated by one atomic read-modify-write (fetch_add) inside the critical section.
// What is wrong: size() is hot, so an atomic counter is read without the lock; writers adjust it
// with a load, then a store (`size_.store(size_.load() + d)`): single-key writers after releasing
// the lock, an iteration that erases as it goes. Two adjustments at the same time both read the
// old count, and one is lost for good. Breaks: size-bounds (size() counts erased entries).
// Witness: concurrent-erase-all (T0 erases every entry through its visitor while T1 erases every
// key: both decrement; the post-phase size() of the empty map is not 0).
// Depth 2 (PCT): the other writer's load must come after this writer's load (1) and its store
// before this writer's store (2): one priority change point between the load and the store.
#ifndef MAPFAULT_MAPS_MUTANTS_SIZE_COUNTER_RACY_H_
#define MAPFAULT_MAPS_MUTANTS_SIZE_COUNTER_RACY_H_

#include "maps/mutex_map.h"

namespace mapfault {

template <class Sync>
class SizeCounterRacyMap : public MutexMap<Sync> {
 public:
  bool Insert(Key k, Value v) { return Adjusted(MutexMap<Sync>::Insert(k, v), +1); }
  bool Erase(Key k) { return Adjusted(MutexMap<Sync>::Erase(k), -1); }
  void Assign(Key k, Value v) {  // +1 when it linked a new entry
    Adjusted(Locked("mutex.lock: assign", [&] { return this->table_.Assign(k, v); }), +1);
  }
  void Clear() {
    Adjust(-Locked("mutex.lock: clear", [&] {
      const int n = static_cast<int>(this->table_.Size());
      return this->table_.Clear(), n;
    }));
  }
  size_t Size() { return static_cast<size_t>(size_.load()); }  // no lock: the point of the counter
  void ForEach(Visitor visit, IterKind kind) {  // an erase-this is counted as it happens
    LockGuard g(this->mu_, "mutex.lock: for_each");
    this->table_.ForEach(Visitor([&](Key k, Value v) { return Adjusted(visit(k, v)); }, visit), kind);
  }

 private:
  template <class Op>
  auto Locked(const char* label, Op op) {  // op's result, computed holding the lock
    LockGuard g(this->mu_, label);
    return op();
  }
  bool Adjusted(bool changed, int delta) { return changed && (Adjust(delta), true); }
  VisitAction Adjusted(VisitAction a) { return Adjusted(a == VisitAction::kEraseThis, -1), a; }
  // BUG: a load and a store, after the critical section: two writers interleaving lose one.
  void Adjust(int delta) {
    const int64_t count = size_.load();
    Sync::Yield("size_counter: add the delta (BUG: not one atomic step)");
    size_.store(count + delta);
  }

  typename Sync::template Atomic<int64_t> size_{0};
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_SIZE_COUNTER_RACY_H_
