// Tests of the epoch-based reclamation the lock-free map uses: an object retired while another
// thread is pinned is not freed until that thread unpins (and the epoch has advanced twice past
// the object's tag), pins nest, and real threads claim distinct slots and give them back.
#include "maps/epoch_reclaim.h"

#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "harness/engine/sync.h"

namespace mapfault {
namespace {

using Domain = EpochDomain<RealSync>;

// Retires `n` fresh objects from the calling thread; the ids freed so far go to `freed`.
void RetireSome(Domain& d, int first, int n, std::set<int>& freed) {
  static int objects[64];
  const int slot = d.Slot();
  EpochGuard<RealSync> g(d);
  for (int i = first; i < first + n; ++i) {
    d.Retire(slot, &objects[i], 0, [&](const Domain::Retired& r) {
      freed.insert(static_cast<int>(static_cast<int*>(r.object) - objects));
    });
  }
}

TEST(EpochReclaimTest, NothingRetiredIsFreedWhileAnotherThreadStaysPinned) {
  Domain d;
  std::set<int> freed;
  std::latch pinned(1), release(1), unpinned(1);
  std::thread reader([&] {
    {
      EpochGuard<RealSync> g(d);
      pinned.count_down();
      release.wait();
    }
    unpinned.count_down();
    d.Detach();
  });
  pinned.wait();
  for (int i = 0; i < 10; ++i) RetireSome(d, i, 1, freed);  // ten pinned sections of its own
  EXPECT_TRUE(freed.empty()) << "freed while a reader was pinned";
  release.count_down();
  unpinned.wait();
  reader.join();
  // One advance per pinned section at most (the retiring thread announces the epoch it pinned
  // in): two more sections advance it past the tags of everything retired above.
  for (int i = 10; i < 13; ++i) RetireSome(d, i, 1, freed);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(freed.count(i)) << i;
}

// Each section advances the epoch once: an object tagged e is freed when the epoch reaches e + 2,
// in the retiring thread's next section.
TEST(EpochReclaimTest, WithNoOtherThreadPinnedRetiredObjectsAreFreedTwoEpochsLater) {
  Domain d;
  std::set<int> freed;
  for (int i = 30; i < 40; ++i) RetireSome(d, i, 1, freed);
  EXPECT_EQ(freed, (std::set<int>{30, 31, 32, 33, 34, 35, 36, 37, 38}));
}

TEST(EpochReclaimTest, TheRetiringThreadsOwnPinDoesNotFreeWhatItMayStillHold) {
  Domain d;
  std::set<int> freed;
  const int slot = d.Slot();
  static int held;
  EpochGuard<RealSync> outer(d);
  {
    EpochGuard<RealSync> inner(d);  // nested: one pin
    d.Retire(slot, &held, 0, [&](const Domain::Retired&) { freed.insert(-1); });
  }
  RetireSome(d, 20, 6, freed);  // still pinned by `outer`: at most one advance
  EXPECT_FALSE(freed.count(-1));
}

TEST(EpochReclaimTest, RealThreadsClaimDistinctSlotsAndGiveThemBack) {
  Domain d;
  constexpr int kThreads = 6;
  std::vector<int> slots(kThreads);
  std::latch all_attached(kThreads), done(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      slots[t] = d.Slot();
      EXPECT_EQ(d.Slot(), slots[t]);  // stable for the thread
      all_attached.count_down();
      done.wait();
      d.Detach();
    });
  }
  all_attached.wait();
  EXPECT_EQ(std::set<int>(slots.begin(), slots.end()).size(), size_t{kThreads});
  done.count_down();
  for (std::thread& t : threads) t.join();
  std::thread later([&] {
    EXPECT_LT(d.Slot(), kThreads + 1);  // a slot given back is claimed again
    d.Detach();
  });
  later.join();
}

}  // namespace
}  // namespace mapfault
