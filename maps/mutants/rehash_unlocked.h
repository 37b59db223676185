// Mutant rehash_unlocked: a mutex map that resizes after releasing the lock.
//
// Correct version: `mutex` (maps/mutex_map.h): insert links the node AND, when the load factor is
// exceeded, rehashes, all under the one mutex, so no other operation ever sees a half-moved table.
//
// What is wrong: insert (and assign, when it inserts) decides under the lock that the table must
// grow, releases the lock, and only then rehashes ("the resize is the slow part: don't make readers
// wait for it"). The rehash moves nodes into a new bucket array and retires (poisons) the old one
// while another thread holds the lock and believes it is alone: an iteration that cached the old
// array reads poisoned bucket heads and crashes, or follows a node that was just moved into a
// different chain and skips or repeats entries; a lookup probes a chain being rebuilt.
//
// Breaks: iter.no-missed-stable and iter.no-duplicate (a node moved into another chain takes the
// iterator with it: entries are skipped or shown twice), no-crash (an iteration that cached the old
// array reads its poisoned bucket heads).
// Witness: iterate-while-grow (the writer's first insert crosses the load factor).
//
// Depth 2 (PCT): the iteration must take the lock after the insert released it (1) and read the
// table before the rehash is complete (2): one priority change point inside the rehash, after which
// the iteration runs to completion over a half-moved table.
#ifndef MAPFAULT_MAPS_MUTANTS_REHASH_UNLOCKED_H_
#define MAPFAULT_MAPS_MUTANTS_REHASH_UNLOCKED_H_

#include "maps/mutex_map.h"

namespace mapfault {

template <class Sync>
class RehashUnlockedMap : public MutexMap<Sync> {
  using Growth = typename ChainedTable<Sync>::Growth;

 public:
  bool Insert(Key k, Value v) {
    bool grow;
    {
      LockGuard g(this->mu_, "mutex.lock: insert");
      if (!this->table_.Insert(k, v, Growth::kDeferred)) return false;
      grow = this->table_.NeedsGrow();
    }
    if (grow) this->table_.Grow();  // BUG: the resize runs after the lock was released
    return true;
  }
  void Assign(Key k, Value v) {
    bool grow;
    {
      LockGuard g(this->mu_, "mutex.lock: assign");
      grow = this->table_.Assign(k, v, Growth::kDeferred) && this->table_.NeedsGrow();
    }
    if (grow) this->table_.Grow();  // BUG: as in Insert
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_REHASH_UNLOCKED_H_
