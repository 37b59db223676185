// The partition of a schedule tree among shards (see tree_shard.h).
#include "harness/strategies/tree_shard.h"

#include <bit>

namespace mapfault {
namespace {

// The position of `thread` among the threads of `mask` in ascending order.
int RankIn(ThreadMask mask, int thread) {
  return std::popcount(mask & ((ThreadMask{1} << thread) - 1));
}

}  // namespace

TreeOwners ChildOwners(const TreeOwners& owners, ThreadMask runnable, int current, int thread) {
  if (owners.count <= 1) return owners;
  TreeOwners next = owners;
  const bool stay = current >= 0 && current < 64 && ((runnable >> current) & 1u) != 0;
  if (!stay) {  // a free choice: every alternative keeps the shards, each from its own turn
    next.turn = (owners.turn + RankIn(runnable, thread)) % owners.count;
    return next;
  }
  const ThreadMask preempting = runnable & ~(ThreadMask{1} << current);
  if (thread == current) {  // no preemption: the shards dealt to the preempting ones are passed
    next.turn = (owners.turn + std::popcount(preempting)) % owners.count;
    return next;
  }
  // A preemption: its whole subtree is the next shard's in turn.
  return {owners.first + (owners.turn + RankIn(preempting, thread)) % owners.count, 1, 0};
}

}  // namespace mapfault
