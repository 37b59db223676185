// mutex: ChainedTable behind one Mutex; every operation, including the whole of for_each, holds it.
//
// Concurrency contract:
// - claims: no-crash, no-hang, iter.no-duplicate, iter.no-missed-stable, iter.no-phantom.
// - for_each holds the lock while the visitor runs: the visitor may erase the entry it was shown
//   (kEraseThis) but must not call the map itself (that would self-deadlock).
#ifndef MAPFAULT_MAPS_MUTEX_MAP_H_
#define MAPFAULT_MAPS_MUTEX_MAP_H_

#include "harness/engine/sync.h"
#include "maps/chained_table.h"

namespace mapfault {

template <class Sync>
class MutexMap {
 public:
  bool Insert(Key k, Value v) {
    LockGuard g(mu_, "mutex.lock: insert");
    return table_.Insert(k, v);
  }
  void Assign(Key k, Value v) {
    LockGuard g(mu_, "mutex.lock: assign");
    table_.Assign(k, v);
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
  void ForEach(Visitor visit, IterKind kind) {
    LockGuard g(mu_, "mutex.lock: for_each");
    table_.ForEach(visit, kind);
  }

 protected:
  typename Sync::Mutex mu_;
  ChainedTable<Sync> table_;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTEX_MAP_H_
