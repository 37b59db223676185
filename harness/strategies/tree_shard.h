// The partition of one program's schedule tree among the shards of an exhaustive run (`--shard I/N`
// under `exhaustive:pb=K`): every shard runs every program, each judging only the schedules it
// owns, so the shards' parts are disjoint and together are exactly the unsharded search's.
//
// Ownership is a function of a node's path only (each choice point's runnable threads, its current
// thread and the thread chosen there), never of the preemption bound, the round of iterative
// bounding or the sleep sets: a schedule belongs to the same shard in every round and with or
// without reduction. The schedules without a preemption are every shard's way through the tree;
// each preemption off them starts a subtree that belongs to one shard, dealt in turn:
//   - a node on no preemption yet is owned by all N shards and has a turn (the root: shard 0's);
//   - where the current thread can continue, each preempting alternative (ascending thread order)
//     gets the next shard in turn, and staying on the current thread passes those turns on;
//   - where it cannot (blocked, finished, or the first pick), alternative j (ascending) keeps all
//     shards, its turn advanced by j;
//   - a schedule without a preemption belongs to the shard whose turn it is.
// Why not split the shards among a choice point's alternatives (alternative j to shard group j):
// the alternatives' subtrees differ widely in size. Under a preemption bound a preempting
// alternative's subtree has one preemption less to spend, so it is smaller than its non-preempting
// sibling's by about the number of choice points after it, and free alternatives differ as the
// threads' programs do. On one cell an even split gave one of 4 shards 4,045 of 5,680 schedules
// (71%), dealing at most 1,645 (29%; docs/exhaustive.md): the preemption subtrees are many, so
// dealing them in turn spreads them evenly. The cost: every shard runs the schedules without a
// preemption (each round, as the unsharded search does), which are few beside those with one.
#ifndef MAPFAULT_HARNESS_STRATEGIES_TREE_SHARD_H_
#define MAPFAULT_HARNESS_STRATEGIES_TREE_SHARD_H_

#include "harness/engine/strategy.h"

namespace mapfault {

// The shards [first, first + count) that own a subtree (all N, or one after a preemption), and
// whose turn it is among them.
struct TreeOwners {
  int first = 0;
  int count = 1;
  int turn = 0;  // 0 .. count - 1

  // The owners of a whole tree split `shards` ways.
  static TreeOwners Root(int shards) { return {0, shards < 1 ? 1 : shards, 0}; }
  bool Contains(int shard) const { return shard >= first && shard < first + count; }
  // The shard a schedule ending in this subtree belongs to.
  int LeafOwner() const { return first + turn; }
  friend bool operator==(const TreeOwners&, const TreeOwners&) = default;
};

// The owners of the child of a choice point owned by `owners` that runs `thread` (one of
// `runnable`; `current` is the thread that reached the point, -1 or not runnable when it cannot
// continue).
TreeOwners ChildOwners(const TreeOwners& owners, ThreadMask runnable, int current, int thread);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_TREE_SHARD_H_
