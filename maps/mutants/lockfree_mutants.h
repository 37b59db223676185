// The lock-free map's mutants: memory-order and reclamation bugs, each a policy on LockFreeMap
// (maps/lockfree.h), never a copy. Each names the one site that differs from LockFreeCorrect.
//
// - lockfree_relaxed_publish: a fresh node (or bucket dummy) is linked by a CAS whose success order
//   is relaxed instead of release. Its key and order (Sync::Var) and cell were written before the
//   CAS, but nothing orders those writes before a reader's acquire load of the link that reads the
//   node: the reader's Var reads race with the writes (no-data-race under --memory-model c11).
//   Invisible under sc (every atomic seq_cst) and to x86 (TSO) hardware unless the compiler sinks
//   the stores below the CAS; ThreadSanitizer sees it. Witness: iterate-while-grow. Depth 2.
// - lockfree_missing_acquire: every traversal load of a `next` link is relaxed instead of acquire:
//   the publisher's release CAS synchronises with nothing, and a reader's Var reads of a node it
//   reached race with its initialisation (no-data-race under c11, not sc). Same witness.
// - lockfree_early_reclaim: the thread whose CAS unlinks a node frees it (poisoned, as every free
//   is) when its own operation ends, instead of retiring it for a grace period: "no one else can
//   reach it now". A thread that reached the node before the unlink still stands on it and follows
//   its poisoned link: a fault (no-crash), no memory model needed. Within one thread it is safe
//   (an iteration's own erase-this frees nothing before the iteration ends). Witness:
//   concurrent-erase-all (T1's erase frees the node T0's iteration stands on). Depth 2.
// - lockfree_aba: the unlinking thread recycles the node (and assign the cell it replaced) at once
//   into its own pool (no grace period, no poison: "the node cache"); its next allocation reuses
//   it. A thread still holding the raw pointer (an iteration standing on the node, a search about
//   to CAS `prev` from it, an erase-this comparing a cell) finds it alive elsewhere: the iteration
//   follows the recycled node's new link and skips entries, a CAS that compares the pointer
//   succeeds on the recycled node (ABA). Breaks: iter.no-missed-stable (and, more rarely,
//   linearizable, size-bounds, quiescent-state, check-then-act). Witness: range-insert-while-erase
//   (T1's erase recycles the node T0 stands on, T1's assign of an absent key reuses it). Depth 2.
#ifndef MAPFAULT_MAPS_MUTANTS_LOCKFREE_MUTANTS_H_
#define MAPFAULT_MAPS_MUTANTS_LOCKFREE_MUTANTS_H_

#include <atomic>

#include "maps/lockfree.h"

namespace mapfault {

struct LockFreeRelaxedPublish : LockFreeCorrect {
  static constexpr std::memory_order kPublish = std::memory_order_relaxed;
};
struct LockFreeMissingAcquire : LockFreeCorrect {
  static constexpr std::memory_order kTraverse = std::memory_order_relaxed;
};
struct LockFreeEarlyReclaim : LockFreeCorrect {
  static constexpr bool kFreeAtUnlink = true;
};
struct LockFreeAba : LockFreeCorrect {
  static constexpr bool kRecycleAtUnlink = true;
};

template <class Sync>
using LockFreeRelaxedPublishMap = LockFreeMap<Sync, LockFreeRelaxedPublish>;
template <class Sync>
using LockFreeMissingAcquireMap = LockFreeMap<Sync, LockFreeMissingAcquire>;
template <class Sync>
using LockFreeEarlyReclaimMap = LockFreeMap<Sync, LockFreeEarlyReclaim>;
template <class Sync>
using LockFreeAbaMap = LockFreeMap<Sync, LockFreeAba>;

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_LOCKFREE_MUTANTS_H_
