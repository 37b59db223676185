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
  const auto dealt = [&owners](int j) {
    return TreeOwners{owners.first + (owners.turn + j) % owners.count, 1, 0};
  };
  const bool stay = current >= 0 && current < 64 && ((runnable >> current) & 1u) != 0;
  if (stay) {
    const ThreadMask preempting = runnable & ~(ThreadMask{1} << current);
    if (thread != current) return dealt(RankIn(preempting, thread));
    TreeOwners next = owners;
    next.turn = (owners.turn + std::popcount(preempting)) % owners.count;
    return next;
  }
  const int k = std::popcount(runnable);
  const int j = RankIn(runnable, thread);
  if (owners.count < k) return dealt(j);
  const int begin = owners.first + j * owners.count / k;
  const int end = owners.first + (j + 1) * owners.count / k;
  return {begin, end - begin, 0};
}

}  // namespace mapfault
