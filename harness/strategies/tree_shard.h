// The partition of one program's schedule tree among the shards of an exhaustive run (`--shard I/N`
// under `exhaustive:pb=K`): every shard runs every program, each judging only the schedules it
// owns, so the shards' parts are disjoint and together are exactly the unsharded search's.
//
// Ownership is a function of a node's path only (each choice point's runnable threads, its current
// thread and the thread chosen there), never of the preemption bound, the round of iterative
// bounding or the sleep sets: a schedule belongs to the same shard in every round and with or
// without reduction. A node is owned by a contiguous range of shards; the root by all N. At a
// choice point owned by range S:
//   - the current thread can continue: choosing it (no preemption) keeps S; each preempting
//     alternative, in ascending thread order, goes to one shard of S, dealt in turn along the path
//     (`turn` advances past the shards dealt), so the preemption subtrees hanging off one
//     non-preempting run spread over every shard of S;
//   - the current thread cannot continue (blocked, finished, or the first pick): the k runnable
//     threads are equal alternatives; if |S| >= k, S is split into k contiguous near-equal ranges
//     (alternative j, in ascending thread order, gets range j), else alternative j gets one shard,
//     dealt in turn.
// A schedule (a leaf) whose range still holds several shards belongs to the one whose turn it is.
// Why not split every choice point's children evenly: under a preemption bound a preempting
// child's subtree has one preemption less to spend, so it is far smaller than its non-preempting
// sibling's (by about the number of choice points after it); dealing the preemption subtrees of a
// run in turn balances the shards where an even split would give one shard nearly everything.
#ifndef MAPFAULT_HARNESS_STRATEGIES_TREE_SHARD_H_
#define MAPFAULT_HARNESS_STRATEGIES_TREE_SHARD_H_

#include "harness/engine/strategy.h"

namespace mapfault {

// The shards [first, first + count) that own a subtree, and whose turn it is among them.
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
