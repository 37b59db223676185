// Mutant aba_iter_recycled: an insertion-ordered map whose weakly consistent iterator trusts a node
// pointer that the node free list has already recycled: the ABA problem.
//
// Correct version: `insertion_ordered` (maps/insertion_ordered.h): a hash index plus a list in
// insertion order, one mutex, an iteration that takes the mutex one step at a time and remembers
// its place as the node it showed last (erase leaves a node's next pointer for it, as Java's weakly
// consistent iterators do), nodes from a LIFO free list; a node erased while an iteration is
// registered is not reused until the last iteration ends (what Java gets from its GC). This mutant
// is InsertionOrderedMap with that rule dropped: an erased node is reused by the very next insert
// ("the node most recently freed is still in the cache").
//
// What is wrong: ABA. The iterator's place is only a pointer. Between two steps, the node it showed
// last is erased (the iteration's own erase-this does that; so can another thread) and goes to the
// free list, and another thread inserts a key (an insert, or an assign of an absent key): it gets
// the same node back, alive, appended at the tail. The next step advances from that node as if it
// were still in its old place: its next pointer now leads past the tail, so the iteration ends,
// having skipped every entry after the old place.
//
// Breaks: iter.no-missed-stable (the skipped entries were present throughout the iteration).
// Witness: conditional-erase (T0's visitor erases expired entries, the freed node is the next one
// reused, and the writers' assigns of keys T0 already erased re-insert them).
//
// Depth 2 (PCT): the recycling insert must come after the step that erased (and freed) the node (1)
// and before the iteration's next step (2): one priority change point between two steps.
#ifndef MAPFAULT_MAPS_MUTANTS_ABA_ITER_RECYCLED_H_
#define MAPFAULT_MAPS_MUTANTS_ABA_ITER_RECYCLED_H_

#include "maps/insertion_ordered.h"

namespace mapfault {

struct AbaIterRecycledBugs : InsertionOrderedCorrect {
  static constexpr bool kReuseNodesDuringIteration = true;  // BUG
};

template <class Sync>
using AbaIterRecycledMap = InsertionOrderedMap<Sync, AbaIterRecycledBugs>;

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_ABA_ITER_RECYCLED_H_
