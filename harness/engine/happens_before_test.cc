// Happens-before: the vector clocks' edges (locks, atomics by memory order, fences) and the Var
// race check, directly and through the controlled scheduler's Sync primitives.
#include "harness/engine/happens_before.h"

#include <atomic>
#include <bit>
#include <functional>
#include <vector>

#include "gtest/gtest.h"
#include "harness/engine/scheduler.h"
#include "harness/engine/sync.h"

namespace mapfault {
namespace {

VarAccess At(int thread, bool write, uint32_t step = 1) {
  return {step, thread, write, "point", {__builtin_FILE(), __builtin_LINE()}};
}

class HappensBeforeTest : public ::testing::Test {
 protected:
  void Begin(int threads, MemoryModel model = MemoryModel::kC11) { hb_.Begin(threads, model); }
  bool Write(int t) { return hb_.Write(x_, At(t, true), race_); }
  bool Read(int t) { return hb_.Read(x_, At(t, false), race_); }

  HappensBefore hb_;
  VarShadow x_;
  DataRace race_;
};

TEST_F(HappensBeforeTest, UnorderedWriteThenReadIsARaceNamingBothAccesses) {
  Begin(2);
  EXPECT_TRUE(Write(0));
  EXPECT_FALSE(Read(1));
  EXPECT_EQ(race_.earlier.thread, 0);
  EXPECT_TRUE(race_.earlier.write);
  EXPECT_EQ(race_.later.thread, 1);
  EXPECT_FALSE(race_.later.write);
  EXPECT_EQ(race_.seen, 0u);
  const std::string text = DescribeRace(race_);
  EXPECT_NE(text.find("T1's read at step 1"), std::string::npos) << text;
  EXPECT_NE(text.find("T0's write at step 1"), std::string::npos) << text;
  EXPECT_NE(text.find("happens_before_test.cc:"), std::string::npos) << text;
  EXPECT_NE(text.find("had never synchronised with T0"), std::string::npos) << text;
}

TEST_F(HappensBeforeTest, ALockHandOffOrdersTheAccesses) {
  Begin(2);
  SyncClock mutex;
  EXPECT_TRUE(Write(0));
  hb_.Release(mutex, 0);
  hb_.Acquire(mutex, 1);
  EXPECT_TRUE(Read(1));
  EXPECT_TRUE(Write(1));
  // T0 acquired nothing since: its next access races with T1's write.
  EXPECT_FALSE(Read(0));
  EXPECT_EQ(race_.earlier.thread, 1);
}

TEST_F(HappensBeforeTest, ConcurrentReadsDoNotRaceButAWriteRacesWithEachOfThem) {
  Begin(3);
  SyncClock published;
  EXPECT_TRUE(Write(0));
  hb_.Release(published, 0);
  hb_.Acquire(published, 1);
  hb_.Acquire(published, 2);
  EXPECT_TRUE(Read(1));
  EXPECT_TRUE(Read(2));  // a read set now
  SyncClock from1;
  hb_.Release(from1, 1);
  hb_.Acquire(from1, 0);  // T0 has seen T1's read, not T2's
  EXPECT_FALSE(Write(0));
  EXPECT_EQ(race_.earlier.thread, 2);
  EXPECT_FALSE(race_.earlier.write);
}

TEST_F(HappensBeforeTest, SameThreadAccessesNeverRace) {
  Begin(2);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Write(1));
    EXPECT_TRUE(Read(1));
  }
}

TEST_F(HappensBeforeTest, ANewTrialForgetsTheLastOnesAccesses) {
  Begin(2);
  EXPECT_TRUE(Write(0));
  Begin(2);
  EXPECT_TRUE(Read(1));
}

// Release/acquire through one atomic location, by memory order.
struct OrderCase {
  MemoryModel model;
  std::memory_order store;
  std::memory_order load;
  bool ordered;
};

class AtomicOrderTest : public HappensBeforeTest,
                        public ::testing::WithParamInterface<OrderCase> {};

TEST_P(AtomicOrderTest, AStoreOrdersWhatPrecedesItForALoadThatReadsIt) {
  const OrderCase& c = GetParam();
  Begin(2, c.model);
  SyncClock flag;
  EXPECT_TRUE(Write(0));
  hb_.AtomicStore(flag, 0, c.store);
  hb_.AtomicLoad(flag, 1, c.load);
  EXPECT_EQ(Read(1), c.ordered);
}

INSTANTIATE_TEST_SUITE_P(
    Orders, AtomicOrderTest,
    ::testing::Values(
        OrderCase{MemoryModel::kC11, std::memory_order_release, std::memory_order_acquire, true},
        OrderCase{MemoryModel::kC11, std::memory_order_seq_cst, std::memory_order_seq_cst, true},
        OrderCase{MemoryModel::kC11, std::memory_order_relaxed, std::memory_order_acquire, false},
        OrderCase{MemoryModel::kC11, std::memory_order_release, std::memory_order_relaxed, false},
        OrderCase{MemoryModel::kSc, std::memory_order_relaxed, std::memory_order_relaxed, true}));

TEST_F(HappensBeforeTest, FencesTurnRelaxedAccessesIntoASynchronisation) {
  Begin(2);
  SyncClock flag;
  EXPECT_TRUE(Write(0));
  hb_.Fence(0, std::memory_order_release);
  hb_.AtomicStore(flag, 0, std::memory_order_relaxed);
  hb_.AtomicLoad(flag, 1, std::memory_order_relaxed);
  hb_.Fence(1, std::memory_order_acquire);
  EXPECT_TRUE(Read(1));
}

TEST_F(HappensBeforeTest, ARelaxedLoadWithoutAnAcquireFenceDoesNotSynchronise) {
  Begin(2);
  SyncClock flag;
  EXPECT_TRUE(Write(0));
  hb_.Fence(0, std::memory_order_release);
  hb_.AtomicStore(flag, 0, std::memory_order_relaxed);
  hb_.AtomicLoad(flag, 1, std::memory_order_relaxed);
  EXPECT_FALSE(Read(1));
}

TEST_F(HappensBeforeTest, AReleaseSequenceContinuesThroughAnotherThreadsRelaxedRmw) {
  Begin(3);
  SyncClock counter;
  EXPECT_TRUE(Write(0));
  hb_.AtomicStore(counter, 0, std::memory_order_release);
  hb_.AtomicRmw(counter, 1, std::memory_order_relaxed);  // T1 learns nothing, but continues it
  hb_.AtomicLoad(counter, 2, std::memory_order_acquire);
  EXPECT_TRUE(Read(2));
}

TEST_F(HappensBeforeTest, ARelaxedStoreEndsTheReleaseSequence) {
  Begin(3);
  SyncClock flag;
  EXPECT_TRUE(Write(0));
  hb_.AtomicStore(flag, 0, std::memory_order_release);
  hb_.AtomicStore(flag, 1, std::memory_order_relaxed);
  hb_.AtomicLoad(flag, 2, std::memory_order_acquire);
  EXPECT_FALSE(Read(2));
}

// Through the scheduler and ControlledSync: T0 writes a Var, T1 reads it; the choices make T0 run
// first. Unsynchronised, that is a race the trial ends at; under a mutex it is not.
struct Shared {
  ControlledSync::Var<int> x{0};
  ControlledSync::Mutex mu;
  ControlledSync::Atomic<bool> ready{false};
};

// Runs the lowest runnable thread: T0 to its end, then T1.
class LowestFirst : public Strategy {
 public:
  void Begin(int, uint64_t) override {}
  int Choose(ThreadMask runnable, int, uint64_t) override { return std::countr_zero(runnable); }
};

RunResult RunTwo(std::function<void()> t0, std::function<void()> t1,
                 MemoryModel model = MemoryModel::kC11, bool race_detection = true) {
  LowestFirst first_t0_then_t1;
  Scheduler::Options options;
  options.memory_model = model;
  options.race_detection = race_detection;
  Scheduler scheduler(first_t0_then_t1, options);
  return scheduler.Run({std::move(t0), std::move(t1)});
}

TEST(ControlledRaceTest, AnUnsynchronisedWriteAndReadEndTheTrialAsADataRace) {
  Shared s;
  bool read_returned = false;
  const RunResult r = RunTwo(
      [&] {
        ControlledSync::Yield("t0: before write");
        s.x.Set(1);
      },
      [&] {
        ControlledSync::Yield("t1: before read");
        (void)s.x.Get();
        read_returned = true;
      });
  ASSERT_EQ(r.kind, RunResult::Kind::kDataRace) << r.detail;
  ASSERT_TRUE(r.race.has_value());
  EXPECT_EQ(r.race->earlier.thread, 0);
  EXPECT_EQ(r.race->later.thread, 1);
  EXPECT_STREQ(r.race->later.label, "t1: before read");
  EXPECT_FALSE(read_returned);  // unwound at the racing access: its value was never used
  EXPECT_NE(r.detail.find("happens_before_test.cc:"), std::string::npos) << r.detail;
}

TEST(ControlledRaceTest, WithoutRaceDetectionTheSameTrialCompletes) {
  Shared s;
  const RunResult r = RunTwo([&] { s.x.Set(1); }, [&] { (void)s.x.Get(); }, MemoryModel::kC11,
                             /*race_detection=*/false);
  EXPECT_EQ(r.kind, RunResult::Kind::kCompleted) << r.detail;
}

TEST(ControlledRaceTest, AMutexOrdersTheAccesses) {
  Shared s;
  const RunResult r = RunTwo(
      [&] {
        LockGuard g(s.mu);
        s.x.Set(1);
      },
      [&] {
        LockGuard g(s.mu);
        (void)s.x.Get();
      });
  EXPECT_EQ(r.kind, RunResult::Kind::kCompleted) << r.detail;
}

// Message passing with a flag: correct with release/acquire; with a relaxed store the read races
// under c11 and is ordered under sc (every atomic operation synchronises).
RunResult MessagePassing(std::memory_order store, MemoryModel model) {
  Shared s;
  return RunTwo(
      [&] {
        s.x.Set(42);
        s.ready.store(true, store);
      },
      [&] {
        while (!s.ready.load(std::memory_order_acquire)) ControlledSync::Yield("t1: spin");
        (void)s.x.Get();
      },
      model);
}

TEST(ControlledRaceTest, ARelaxedPublishRacesUnderC11AndNotUnderSc) {
  EXPECT_EQ(MessagePassing(std::memory_order_release, MemoryModel::kC11).kind,
            RunResult::Kind::kCompleted);
  EXPECT_EQ(MessagePassing(std::memory_order_relaxed, MemoryModel::kC11).kind,
            RunResult::Kind::kDataRace);
  EXPECT_EQ(MessagePassing(std::memory_order_relaxed, MemoryModel::kSc).kind,
            RunResult::Kind::kCompleted);
}

TEST(ControlledRaceTest, ReadersOfASharedLockDoNotSynchroniseWithEachOther) {
  struct {
    ControlledSync::Var<int> x{0};
    ControlledSync::SharedMutex mu;
  } s;
  // T0 writes under the shared lock (a bug), T1 reads under it after T0 released it: the shared
  // lock orders neither against the other.
  const RunResult r = RunTwo(
      [&] {
        SharedLockGuard g(s.mu);
        s.x.Set(1);
      },
      [&] {
        ControlledSync::Yield("t1: later");
        SharedLockGuard g(s.mu);
        (void)s.x.Get();
      });
  EXPECT_EQ(r.kind, RunResult::Kind::kDataRace) << r.detail;
}

}  // namespace
}  // namespace mapfault
