// Tests of the partition of a schedule tree among shards: a non-preempting child keeps its
// parent's shards and passes the turn on, preempting children are dealt one shard each in turn,
// the alternatives of a free choice keep every shard from their own turns, and every shard of a
// subtree owns one of its children.
#include "harness/strategies/tree_shard.h"

#include <bit>
#include <set>

#include "gtest/gtest.h"
#include "harness/base/rng.h"

namespace mapfault {
namespace {

constexpr ThreadMask Mask(std::initializer_list<int> threads) {
  ThreadMask m = 0;
  for (int t : threads) m |= ThreadMask{1} << t;
  return m;
}

TEST(TreeShardTest, ARunKeepsItsShardsAndDealsItsPreemptionsInTurn) {
  const TreeOwners root = TreeOwners::Root(4);
  EXPECT_EQ(root, (TreeOwners{0, 4, 0}));
  // Thread 1 runs and can continue; threads 0 and 2 would preempt it.
  const ThreadMask runnable = Mask({0, 1, 2});
  EXPECT_EQ(ChildOwners(root, runnable, 1, 0), (TreeOwners{0, 1, 0}));
  EXPECT_EQ(ChildOwners(root, runnable, 1, 2), (TreeOwners{1, 1, 0}));
  const TreeOwners stay = ChildOwners(root, runnable, 1, 1);
  EXPECT_EQ(stay, (TreeOwners{0, 4, 2}));
  // The next point of the run deals from shard 2 on, wrapping around.
  EXPECT_EQ(ChildOwners(stay, runnable, 1, 0), (TreeOwners{2, 1, 0}));
  EXPECT_EQ(ChildOwners(stay, runnable, 1, 2), (TreeOwners{3, 1, 0}));
  EXPECT_EQ(ChildOwners(stay, runnable, 1, 1).turn, 0);
  EXPECT_EQ(ChildOwners(ChildOwners(stay, runnable, 1, 1), runnable, 1, 2), (TreeOwners{1, 1, 0}));
}

TEST(TreeShardTest, AFreeChoiceKeepsEveryShardAndAdvancesTheTurn) {
  const TreeOwners root = TreeOwners::Root(5);
  const ThreadMask runnable = Mask({0, 3, 4});  // the first pick: no current thread
  EXPECT_EQ(ChildOwners(root, runnable, -1, 0), (TreeOwners{0, 5, 0}));
  EXPECT_EQ(ChildOwners(root, runnable, -1, 3), (TreeOwners{0, 5, 1}));
  EXPECT_EQ(ChildOwners(root, runnable, -1, 4), (TreeOwners{0, 5, 2}));
  // The current thread blocked (not runnable): a free choice too; turns wrap around.
  EXPECT_EQ(ChildOwners({0, 5, 4}, runnable, 1, 4), (TreeOwners{0, 5, 1}));
  // A schedule without a preemption belongs to the shard whose turn it is.
  EXPECT_EQ((TreeOwners{0, 5, 4}).LeafOwner(), 4);
}

TEST(TreeShardTest, ASingleShardOwnsItsWholeSubtree) {
  const TreeOwners one{3, 1, 0};
  EXPECT_EQ(ChildOwners(one, Mask({0, 1}), 0, 1), one);
  EXPECT_EQ(ChildOwners(one, Mask({0, 1}), -1, 0), one);
  EXPECT_EQ(one.LeafOwner(), 3);
  EXPECT_EQ(TreeOwners::Root(1).LeafOwner(), 0);
}

// Random choice points: the children's owners lie within their parent's, and every shard of the
// parent owns at least one child (so a shard that owns a point always has a way on).
TEST(TreeShardTest, EveryShardOfAPointOwnsOneOfItsChildren) {
  Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    const int count = 1 + static_cast<int>(rng.Below(9));
    const TreeOwners owners{static_cast<int>(rng.Below(4)), count,
                            static_cast<int>(rng.Below(static_cast<uint64_t>(count)))};
    ThreadMask runnable = 0;
    while (std::popcount(runnable) < 2) runnable |= ThreadMask{1} << rng.Below(6);
    const int current = static_cast<int>(rng.Below(7)) - 1;
    std::set<int> covered;
    for (ThreadMask m = runnable; m != 0; m &= m - 1) {
      const TreeOwners child = ChildOwners(owners, runnable, current, std::countr_zero(m));
      ASSERT_GE(child.count, 1);
      ASSERT_TRUE(owners.Contains(child.first));
      ASSERT_TRUE(owners.Contains(child.first + child.count - 1));
      ASSERT_TRUE(child.turn >= 0 && child.turn < child.count);
      for (int s = child.first; s < child.first + child.count; ++s) covered.insert(s);
    }
    EXPECT_EQ(static_cast<int>(covered.size()), count);
  }
}

}  // namespace
}  // namespace mapfault
