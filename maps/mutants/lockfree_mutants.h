// The lock-free map's mutants: memory-order and reclamation bugs, each a policy on LockFreeMap
// (maps/lockfree.h), never a copy. Each names the one site that differs from LockFreeCorrect.
//
// - lockfree_relaxed_publish: a fresh node (or bucket dummy) is linked by a CAS whose success order
//   is relaxed instead of release. Its key and order (Sync::Var) and cell were written before the
//   CAS, but nothing orders those writes before a reader's acquire load of the link that reads the
//   node: the reader's Var reads race with the writes (no-data-race under --memory-model c11).
//   Under sc every atomic is seq_cst and the bug is invisible; on x86 (TSO) real threads rarely
//   show it unless the compiler sinks the initialising stores below the CAS. Depth 2 (PCT): the
//   reader must read the link after the CAS, before any later synchronisation of the two threads.
// - lockfree_missing_acquire: every traversal load of a `next` link is relaxed instead of acquire:
//   the publisher's release CAS synchronises with nothing, and a reader's Var reads of a node it
//   reached race with the node's initialisation (no-data-race under c11, invisible under sc).
// - lockfree_early_reclaim: the thread whose CAS unlinks a node frees it at once (poisoned, as
//   every free is) instead of retiring it for a grace period. A reader that reached the node before
//   the unlink still stands on it and reads poison: a poisoned key (a phantom or a wrong value) or
//   the poisoned link, which faults when followed (no-crash). Needs no memory model. Depth 2.
// - lockfree_aba: the unlinking thread recycles the node at once into its own pool (no grace
//   period, no poison: "the node cache"), and its next insert reuses it. A thread that read the old
//   link (prev -> X) before the unlink still holds the raw pointer X; when X comes back as a new
//   entry in the same place, that thread's CAS on prev compares X and succeeds: ABA. It unlinks the
//   live new entry (a lost insert: linearizable, quiescent-state) or links behind a recycled node.
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
