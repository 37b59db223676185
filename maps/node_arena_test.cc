// Tests of NodeArena: LIFO reuse through the free list, nodes constructed as they are carved (also
// in storage a previous arena on the thread left behind), and arenas that outgrow their first
// chunk.
#include "maps/node_arena.h"

#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

struct TestNode {
  int payload = 7;  // a member initialiser: what a freshly carved node holds
  TestNode* free_next = nullptr;
};

constexpr size_t kChunk = 4;
using Arena = NodeArena<TestNode, kChunk>;

TEST(NodeArenaTest, ReleasedNodeIsTheNextOneTaken) {
  Arena arena;
  TestNode* a = arena.Take();
  TestNode* b = arena.Take();
  arena.Release(a);
  arena.Release(b);
  EXPECT_EQ(arena.Take(), b);
  EXPECT_EQ(arena.Take(), a);
}

// The next arena on this thread carves its first chunk from the storage the last one left, and
// constructs every node it carves: nothing of the previous arena's nodes survives.
TEST(NodeArenaTest, NextArenaReusesTheFirstChunkButConstructsItsNodes) {
  TestNode* first = nullptr;
  {
    Arena arena;
    first = arena.Take();
    first->payload = 42;
    arena.Take()->payload = 43;
  }
  Arena next;
  TestNode* n = next.Take();
  EXPECT_EQ(n, first);
  EXPECT_EQ(n->payload, 7);
  EXPECT_EQ(next.Take()->payload, 7);
}

// An arena that outgrows its first chunk keeps every node distinct and valid; destroying it
// returns the later chunks (the sanitizer builds would report a leak or a double free).
TEST(NodeArenaTest, ManyChunksHoldDistinctNodesAndAreFreed) {
  for (int round = 0; round < 3; ++round) {
    Arena arena;
    std::set<TestNode*> seen;
    for (size_t i = 0; i < 5 * kChunk + 1; ++i) {
      TestNode* n = arena.Take();
      EXPECT_EQ(n->payload, 7);
      n->payload = static_cast<int>(i);
      EXPECT_TRUE(seen.insert(n).second);
    }
  }
}

// Each thread keeps its own spare chunk: on every thread, each arena's first node is the one the
// thread's previous arena left (never another thread's), constructed afresh. Under TSan a spare
// shared between threads would also be reported as a race.
TEST(NodeArenaTest, ThreadsKeepTheirOwnSpare) {
  constexpr int kThreads = 4, kArenas = 100;
  std::vector<std::vector<TestNode*>> firsts(kThreads);
  std::vector<int> fresh(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kArenas; ++i) {
        Arena arena;
        TestNode* n = arena.Take();
        firsts[t].push_back(n);
        fresh[t] += n->payload == 7;
        n->payload = -1;
        for (size_t j = 0; j < kChunk; ++j) arena.Take()->payload = -1;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(fresh[t], kArenas);
    for (TestNode* n : firsts[t]) EXPECT_EQ(n, firsts[t].front()) << "thread " << t;
  }
}

}  // namespace
}  // namespace mapfault
