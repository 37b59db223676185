// Mutant assign_split: a mutex map whose assign is composed of the map's own (individually locked)
// operations: a read-modify-write split across critical sections.
//
// Correct version: `mutex` (maps/mutex_map.h): assign looks the key up and overwrites (or links) it
// in ONE critical section.
//
// What is wrong: assign is written on top of the public API, each call taking and releasing the lock:
//   if (Find(k) is absent) { Insert(k, v); return; }   // (the result of Insert is ignored)
//   Erase(k); Insert(k, v);                           // "replace the entry"
// Each call is atomic; the composition is not. Between the Erase and the Insert the key is absent
// although no one erased it, so a concurrent reader misses an entry that was present throughout its
// window (iteration, find, size); and an Insert by another thread that slips into the gap wins, and
// this assign's value is silently lost (its own Insert fails).
//
// Breaks: iter.no-missed-stable (an iteration that runs in the gap misses the key), size-bounds (a
// size() in the gap counts one too few), linearizable (a find in the gap, or the lost update).
// Witness: snapshot-read (the writer assigns present keys while the reader takes size(), iterates and
// takes size() again).
//
// Depth 2 (PCT): the reader's observation must come after the assign's Erase (1) and before its
// Insert (2): one priority change point inside the assign.
#ifndef MAPFAULT_MAPS_MUTANTS_ASSIGN_SPLIT_H_
#define MAPFAULT_MAPS_MUTANTS_ASSIGN_SPLIT_H_

#include "maps/mutex_map.h"

namespace mapfault {

template <class Sync>
class AssignSplitMap : public MutexMap<Sync> {
 public:
  void Assign(Key k, Value v) {
    if (!this->Find(k).has_value()) {
      this->Insert(k, v);  // BUG: a concurrent insert of k may have won meanwhile: v is lost
      return;
    }
    this->Erase(k);
    Sync::Yield("assign: between erase and re-insert (BUG: lock released)");
    this->Insert(k, v);
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_ASSIGN_SPLIT_H_
