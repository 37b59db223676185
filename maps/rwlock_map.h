// rwlock: ChainedTable behind a SharedMutex. find, size and read-only iteration share the lock;
// insert, assign, erase, clear and an iteration that may erase (IterKind::kMayErase) hold it
// exclusively.
//
// Concurrency contract:
// - claims: no-crash, no-hang, iter.no-duplicate, iter.no-missed-stable, iter.no-phantom.
// - the visitor runs under the lock: it may return kEraseThis (only for kMayErase iterations) but
//   must not call the map itself.
#ifndef MAPFAULT_MAPS_RWLOCK_MAP_H_
#define MAPFAULT_MAPS_RWLOCK_MAP_H_

#include "harness/engine/sync.h"
#include "maps/chained_table.h"

namespace mapfault {

template <class Sync>
class RwLockMap {
 public:
  bool Insert(Key k, Value v) {
    LockGuard g(mu_, "rwlock.lock: insert");
    return table_.Insert(k, v);
  }
  void Assign(Key k, Value v) {
    LockGuard g(mu_, "rwlock.lock: assign");
    table_.Assign(k, v);
  }
  bool Erase(Key k) {
    LockGuard g(mu_, "rwlock.lock: erase");
    return table_.Erase(k);
  }
  std::optional<Value> Find(Key k) {
    SharedLockGuard g(mu_, "rwlock.lock_shared: find");
    return table_.Find(k);
  }
  size_t Size() {
    SharedLockGuard g(mu_, "rwlock.lock_shared: size");
    return table_.Size();
  }
  void Clear() {
    LockGuard g(mu_, "rwlock.lock: clear");
    table_.Clear();
  }
  void ForEach(Visitor visit, IterKind kind) {
    if (kind == IterKind::kMayErase) {
      LockGuard g(mu_, "rwlock.lock: for_each (may erase)");
      table_.ForEach(visit, kind);
    } else {
      SharedLockGuard g(mu_, "rwlock.lock_shared: for_each");
      table_.ForEach(visit, kind);
    }
  }

 protected:
  typename Sync::SharedMutex mu_;
  ChainedTable<Sync> table_;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_RWLOCK_MAP_H_
