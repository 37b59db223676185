// Tests of the ControlledSync policy: mutual exclusion, reader-writer semantics and atomics under the
// controlled scheduler, and plain behaviour outside it.
#include "harness/engine/sync.h"

#include "gtest/gtest.h"
#include "harness/strategies/random_strategy.h"

namespace mapfault {
namespace {

// Two threads increment a counter `n` times with a scheduling point between the read and the write.
template <class Lock>
int RacyIncrements(uint64_t seed, Lock lock) {
  int counter = 0;
  std::vector<std::function<void()>> bodies;
  for (int t = 0; t < 2; ++t) {
    bodies.push_back([&] {
      for (int i = 0; i < 3; ++i) {
        lock([&] {
          const int read = counter;
          ControlledSync::Yield("between read and write");
          counter = read + 1;
        });
      }
    });
  }
  RandomStrategy strategy(seed);
  Scheduler scheduler(strategy, {});
  EXPECT_EQ(scheduler.Run(std::move(bodies)).kind, RunResult::Kind::kCompleted);
  return counter;
}

TEST(ControlledSyncTest, UnlockedIncrementsLoseUpdatesUnderSomeSchedule) {
  bool lost = false;
  for (uint64_t seed = 0; seed < 200 && !lost; ++seed) {
    lost = RacyIncrements(seed, [](auto f) { f(); }) < 6;
  }
  EXPECT_TRUE(lost);
}

TEST(ControlledSyncTest, MutexNeverLosesAnUpdate) {
  for (uint64_t seed = 0; seed < 500; ++seed) {
    ControlledSync::Mutex m;
    EXPECT_EQ(RacyIncrements(seed,
                             [&](auto f) {
                               LockGuard g(m);
                               f();
                             }),
              6)
        << "seed " << seed;
  }
}

TEST(ControlledSyncTest, SharedMutexLetsReadersShareAndExcludesWriters) {
  bool readers_overlapped = false;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    ControlledSync::SharedMutex rw;
    int readers_inside = 0, writers_inside = 0;
    std::vector<std::function<void()>> bodies;
    for (int t = 0; t < 2; ++t) {
      bodies.push_back([&] {
        SharedLockGuard g(rw);
        ++readers_inside;
        EXPECT_EQ(writers_inside, 0);
        if (readers_inside == 2) readers_overlapped = true;
        ControlledSync::Yield("reading");
        --readers_inside;
      });
    }
    bodies.push_back([&] {
      LockGuard g(rw);
      ++writers_inside;
      EXPECT_EQ(readers_inside, 0);
      ControlledSync::Yield("writing");
      --writers_inside;
    });
    RandomStrategy strategy(seed);
    Scheduler scheduler(strategy, {});
    EXPECT_EQ(scheduler.Run(std::move(bodies)).kind, RunResult::Kind::kCompleted);
  }
  EXPECT_TRUE(readers_overlapped);
}

TEST(ControlledSyncTest, CompareExchangeIsAtomicAtItsSchedulingPoint) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    ControlledSync::Atomic<int> owner(-1);
    int winners = 0;
    std::vector<std::function<void()>> bodies;
    for (int t = 0; t < 3; ++t) {
      bodies.push_back([&, t] {
        int expected = -1;
        if (owner.compare_exchange_strong(expected, t)) ++winners;
      });
    }
    RandomStrategy strategy(seed);
    Scheduler scheduler(strategy, {});
    scheduler.Run(std::move(bodies));
    EXPECT_EQ(winners, 1);
  }
}

TEST(ControlledSyncTest, PrimitivesWorkOutsideAScheduler) {
  ControlledSync::Mutex m;
  m.lock();
  EXPECT_FALSE(m.try_lock());
  m.unlock();
  EXPECT_TRUE(m.try_lock());
  m.unlock();
  ControlledSync::Atomic<int> a(1);
  EXPECT_EQ(a.fetch_add(2), 1);
  EXPECT_EQ(a.load(), 3);
}

TEST(ControlledSyncDeathTest, SelfDeadlockOutsideASchedulerAborts) {
  EXPECT_DEATH(
      {
        ControlledSync::Mutex m;
        m.lock();
        m.lock();
      },
      "self-deadlock");
}

}  // namespace
}  // namespace mapfault
