// Happens-before: the vector clocks' edges (locks, atomics by memory order, fences) and the Var
// race check, directly and through the controlled scheduler's Sync primitives.
#include "harness/engine/happens_before.h"

#include <atomic>
#include <bit>
#include <functional>
#include <vector>

#include "gtest/gtest.h"
#include "harness/base/rng.h"
#include "harness/engine/scheduler.h"
#include "harness/engine/sync.h"
#include "harness/strategies/random_strategy.h"
#include "harness/strategies/replay_strategy.h"

namespace mapfault {
namespace {

VarAccess At(int thread, bool write, uint32_t step = 1) {
  return {step, thread, write, "point", {__builtin_FILE(), __builtin_LINE()}};
}

class HappensBeforeTest : public ::testing::Test {
 protected:
  void Begin(int threads, MemoryModel model = MemoryModel::kC11) { hb_.Begin(threads, model); }
  bool Write(int t) { return hb_.Write(x_, At(t, true)) || Raced(); }
  bool Read(int t) { return hb_.Read(x_, At(t, false)) || Raced(); }
  bool Raced() {  // keeps the race the last access found
    race_ = hb_.race();
    return false;
  }

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

// Two shadows record the same accesses (their generations differ: each HappensBefore::Begin takes
// a new one from a process-wide counter).
bool SameShadow(const VarShadow& a, const VarShadow& b) {
  return a.write == b.write && a.read == b.read && a.read_set == b.read_set;
}

// TryRead / TryWrite (the scheduler's inline common path, falling back to Read / Write when they
// return false) judge and record every access exactly as Read / Write alone: random accesses of
// up to 4 threads to 3 Vars, ordered here and there by lock hand-offs, over two trials; each
// access's answer, each race's description and every shadow afterwards compared.
TEST(HappensBeforeFastPathTest, TryThenFallBackIsReadAndWriteAlone) {
  Rng rng(16);
  int races = 0, read_sets = 0;  // the paths Read / Write take alone, exercised too
  for (int round = 0; round < 2000; ++round) {
    const int n = 2 + static_cast<int>(rng.Below(3));
    HappensBefore whole, fast;
    VarShadow whole_vars[3] = {}, fast_vars[3] = {};
    SyncClock whole_locks[2], fast_locks[2];
    for (int trial = 0; trial < 2; ++trial) {
      whole.Begin(n, MemoryModel::kC11);
      fast.Begin(n, MemoryModel::kC11);
      for (int step = 1; step <= 40; ++step) {
        const int t = static_cast<int>(rng.Below(n));
        const int what = static_cast<int>(rng.Below(10));
        if (what == 0) {
          const int l = static_cast<int>(rng.Below(2));
          whole.Release(whole_locks[l], t);
          fast.Release(fast_locks[l], t);
          continue;
        }
        if (what == 1) {
          const int l = static_cast<int>(rng.Below(2));
          whole.Acquire(whole_locks[l], t);
          fast.Acquire(fast_locks[l], t);
          continue;
        }
        const int x = static_cast<int>(rng.Below(3));
        const bool write = what < 5;
        const VarAccess a{static_cast<uint32_t>(step),
                          t,
                          write,
                          write ? "w" : "r",
                          {"f.h", static_cast<uint32_t>(step)}};
        const bool expected = write ? whole.Write(whole_vars[x], a) : whole.Read(whole_vars[x], a);
        const bool got = write ? fast.TryWrite(fast_vars[x], a) || fast.Write(fast_vars[x], a)
                               : fast.TryRead(fast_vars[x], a) || fast.Read(fast_vars[x], a);
        ASSERT_EQ(got, expected) << "round " << round << " step " << step;
        if (!got) {
          ASSERT_EQ(DescribeRace(fast.race()), DescribeRace(whole.race()));
        }
        races += !got;
        read_sets += whole_vars[x].read.clock == HappensBefore::kReadSet;
        for (int i = 0; i < 3; ++i) {
          ASSERT_TRUE(SameShadow(fast_vars[i], whole_vars[i])) << "round " << round << " Var " << i;
        }
      }
    }
  }
  EXPECT_GT(races, 1000);
  EXPECT_GT(read_sets, 1000);
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
  hb_.Fence(0, std::memory_order_release, 1);
  hb_.AtomicStore(flag, 0, std::memory_order_relaxed);
  hb_.AtomicLoad(flag, 1, std::memory_order_relaxed);
  hb_.Fence(1, std::memory_order_acquire, 1);
  EXPECT_TRUE(Read(1));
}

TEST_F(HappensBeforeTest, ARelaxedLoadWithoutAnAcquireFenceDoesNotSynchronise) {
  Begin(2);
  SyncClock flag;
  EXPECT_TRUE(Write(0));
  hb_.Fence(0, std::memory_order_release, 1);
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

// Weak atomics: which stores of a location's modification order a load may read.
class WeakAtomicsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hb_.Begin(3, MemoryModel::kC11);
    hb_.Fresh(x_);
  }
  uint32_t Store(int t, std::memory_order o = std::memory_order_relaxed) {
    return hb_.Store(x_, t, o, ++step_);
  }
  uint32_t ReadBack(int t, int back, std::memory_order o = std::memory_order_relaxed) {
    const uint32_t index = x_.count - 1 - back;
    hb_.ReadFrom(x_, index, t, o);
    return index;
  }

  HappensBefore hb_;
  StoreHistory x_;
  uint32_t step_ = 0;
};

TEST_F(WeakAtomicsTest, ALoadMayReadAnOlderStoreOfAnotherThreadButNotOlderThanItsOwn) {
  EXPECT_EQ(hb_.Readable(x_, 1), 1);  // only the value before the trial
  Store(0);
  EXPECT_EQ(hb_.Readable(x_, 1), 2);  // T0's store or the value before it
  EXPECT_EQ(hb_.Readable(x_, 0), 1);  // T0's own store happens-before its load
}

TEST_F(WeakAtomicsTest, ReadsOfOneThreadNeverGoBackInTheOrder) {
  Store(0);
  Store(0);
  Store(0);
  EXPECT_EQ(hb_.Readable(x_, 1), 4);
  EXPECT_EQ(ReadBack(1, 1), 2u);      // T1 reads store #2 of #0..#3
  EXPECT_EQ(hb_.Readable(x_, 1), 2);  // from now on #2 or #3
  EXPECT_EQ(hb_.Readable(x_, 2), 4);  // T2 has read nothing
}

TEST_F(WeakAtomicsTest, AStoreThatHappensBeforeTheLoadMustBeSeen) {
  Store(0);
  SyncClock flag;
  hb_.Release(flag, 0);
  EXPECT_EQ(hb_.Readable(x_, 1), 2);
  hb_.Acquire(flag, 1);
  EXPECT_EQ(hb_.Readable(x_, 1), 1);
}

TEST_F(WeakAtomicsTest, AReadThatHappensBeforeTheLoadBindsItToo) {
  Store(0);
  Store(0);
  ReadBack(1, 1);  // T1 read #1
  SyncClock flag;
  hb_.Release(flag, 1);
  hb_.Acquire(flag, 2);
  EXPECT_EQ(hb_.Readable(x_, 2), 2);  // #1 or #2, not #0
}

TEST_F(WeakAtomicsTest, AfterASeqCstFenceEveryEarlierStoreIsSeen) {
  Store(0);
  hb_.Fence(1, std::memory_order_seq_cst, ++step_);
  EXPECT_EQ(hb_.Readable(x_, 1), 1);
  Store(0);  // after the fence: may be missed
  EXPECT_EQ(hb_.Readable(x_, 1), 2);
}

TEST_F(WeakAtomicsTest, TheStoresOfAReturnedOperationAreSeen) {
  Store(0);
  EXPECT_EQ(hb_.Readable(x_, 1), 2);
  hb_.Returned(0, step_);  // T0's operation returned after its store
  EXPECT_EQ(hb_.Readable(x_, 1), 1);
  Store(0);  // its next operation's store: not yet
  EXPECT_EQ(hb_.Readable(x_, 1), 2);
}

TEST_F(WeakAtomicsTest, OnlyTheLastStoresOfTheHistoryCanBeRead) {
  for (int i = 0; i < 10; ++i) Store(0);
  EXPECT_EQ(hb_.Readable(x_, 1), kStoreHistory);
}

TEST_F(WeakAtomicsTest, AnAcquireLoadOfAnOlderReleaseStoreSynchronisesWithIt) {
  VarShadow data;
  ASSERT_TRUE(hb_.Write(data, At(0, true)));
  Store(0, std::memory_order_release);  // #1 publishes the write
  Store(2, std::memory_order_relaxed);  // #2 by another thread: no release sequence
  ReadBack(1, 1, std::memory_order_acquire);  // T1 reads #1
  EXPECT_TRUE(hb_.Read(data, At(1, false)));
}

TEST_F(WeakAtomicsTest, AnRmwReadsTheLatestAndContinuesTheReleaseSequence) {
  VarShadow data;
  ASSERT_TRUE(hb_.Write(data, At(0, true)));
  Store(0, std::memory_order_release);
  hb_.Rmw(x_, 2, std::memory_order_relaxed, ++step_);  // T2's relaxed RMW continues it
  ReadBack(1, 0, std::memory_order_acquire);  // T1 reads the RMW's store
  EXPECT_TRUE(hb_.Read(data, At(1, false)));
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

// Litmus tests through ControlledSync::Atomic under the random walk: which outcomes each memory
// model allows, over many seeds. Each returns how often `outcome` was seen.
template <class Body0, class Body1, class Outcome>
int CountOutcomes(MemoryModel model, Body0 body0, Body1 body1, Outcome outcome, int seeds = 400) {
  int seen = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    RandomStrategy strategy(static_cast<uint64_t>(seed));
    Scheduler::Options options;
    options.memory_model = model;
    Scheduler scheduler(strategy, options);
    int r0 = -1;
    int r1 = -1;
    auto x = std::make_unique<ControlledSync::Atomic<int>>(0);
    auto y = std::make_unique<ControlledSync::Atomic<int>>(0);
    const RunResult r = scheduler.Run({[&] { r0 = body0(*x, *y); }, [&] { r1 = body1(*x, *y); }});
    EXPECT_EQ(r.kind, RunResult::Kind::kCompleted) << r.detail;
    if (outcome(r0, r1)) ++seen;
  }
  return seen;
}

using A = ControlledSync::Atomic<int>;

// Message passing: T1 sees the flag but not the data it guards.
int MessagePassingStale(MemoryModel model, std::memory_order publish, std::memory_order consume) {
  return CountOutcomes(
      model,
      [=](A& data, A& flag) {
        data.store(1, std::memory_order_relaxed);
        flag.store(1, publish);
        return 0;
      },
      [=](A& data, A& flag) {
        return flag.load(consume) == 1 ? data.load(std::memory_order_relaxed) : -1;
      },
      [](int, int r1) { return r1 == 0; });
}

TEST(WeakAtomicsLitmusTest, MessagePassingIsStaleOnlyWithoutReleaseAcquireUnderC11) {
  EXPECT_GT(MessagePassingStale(MemoryModel::kC11, std::memory_order_relaxed,
                                std::memory_order_relaxed), 0);
  EXPECT_GT(MessagePassingStale(MemoryModel::kC11, std::memory_order_release,
                                std::memory_order_relaxed), 0);
  EXPECT_EQ(MessagePassingStale(MemoryModel::kC11, std::memory_order_release,
                                std::memory_order_acquire), 0);
  EXPECT_EQ(MessagePassingStale(MemoryModel::kSc, std::memory_order_relaxed,
                                std::memory_order_relaxed), 0);
}

// Store buffering: each thread stores to one location and loads the other; both loads read the
// value before the trial. Allowed by release/acquire, forbidden by seq_cst.
int StoreBufferingBothZero(MemoryModel model, std::memory_order store, std::memory_order load) {
  return CountOutcomes(
      model,
      [=](A& x, A& y) {
        x.store(1, store);
        return y.load(load);
      },
      [=](A& x, A& y) {
        y.store(1, store);
        return x.load(load);
      },
      [](int r0, int r1) { return r0 == 0 && r1 == 0; });
}

TEST(WeakAtomicsLitmusTest, StoreBufferingNeedsSeqCstToForbidBothZero) {
  EXPECT_GT(StoreBufferingBothZero(MemoryModel::kC11, std::memory_order_release,
                                   std::memory_order_acquire), 0);
  EXPECT_EQ(StoreBufferingBothZero(MemoryModel::kC11, std::memory_order_seq_cst,
                                   std::memory_order_seq_cst), 0);
  EXPECT_EQ(StoreBufferingBothZero(MemoryModel::kSc, std::memory_order_relaxed,
                                   std::memory_order_relaxed), 0);
}

TEST(WeakAtomicsLitmusTest, SeqCstFencesForbidStoreBuffering) {
  const int both_zero = CountOutcomes(
      MemoryModel::kC11,
      [](A& x, A& y) {
        x.store(1, std::memory_order_relaxed);
        ControlledSync::Fence(std::memory_order_seq_cst);
        return y.load(std::memory_order_relaxed);
      },
      [](A& x, A& y) {
        y.store(1, std::memory_order_relaxed);
        ControlledSync::Fence(std::memory_order_seq_cst);
        return x.load(std::memory_order_relaxed);
      },
      [](int r0, int r1) { return r0 == 0 && r1 == 0; });
  EXPECT_EQ(both_zero, 0);
}

// Coherence of reads: T1 reading x twice never sees the second store and then the first.
TEST(WeakAtomicsLitmusTest, TwoReadsOfOneThreadNeverGoBackwards) {
  int r1_first = -1;
  const int backwards = CountOutcomes(
      MemoryModel::kC11,
      [](A& x, A&) {
        x.store(1, std::memory_order_relaxed);
        x.store(2, std::memory_order_relaxed);
        return 0;
      },
      [&](A& x, A&) {
        r1_first = x.load(std::memory_order_relaxed);
        return x.load(std::memory_order_relaxed);
      },
      [&](int, int r1) { return r1 < r1_first; });
  EXPECT_EQ(backwards, 0);
}

// A trial whose load read an older store replays exactly from its recorded choices (the store
// choice is one of them), and its trace names the store it read.
struct StaleReadRun {
  RunResult result;
  int read = -1;
  bool traced = false;  // a kStaleRead event: T1 read store #0, one store newer unseen
};

StaleReadRun RunStoreAndLoad(Strategy& strategy) {
  std::vector<TraceEvent> events(64);
  size_t count = 0;
  TraceBuffer trace{events.data(), events.size(), &count};
  Scheduler::Options options;
  options.trace = &trace;
  Scheduler scheduler(strategy, options);
  A x(0);
  StaleReadRun run;
  run.result = scheduler.Run({[&] { x.store(1, std::memory_order_relaxed); },
                              [&] { run.read = x.load(std::memory_order_relaxed); }});
  for (size_t i = 0; i < count; ++i) {
    const TraceEvent& e = events[i];
    run.traced |= e.kind == TraceKind::kStaleRead && e.thread == 1 && e.a == 0 && e.b == 1;
  }
  return run;
}

TEST(WeakAtomicsLitmusTest, AStaleReadIsARecordedChoiceThatReplaysAndIsTraced) {
  for (int seed = 0; seed < 400; ++seed) {
    RandomStrategy random(static_cast<uint64_t>(seed));
    const StaleReadRun first = RunStoreAndLoad(random);
    if (!first.traced) continue;
    EXPECT_EQ(first.read, 0);
    ReplayStrategy replay(first.result.choices);
    const StaleReadRun again = RunStoreAndLoad(replay);
    EXPECT_EQ(again.result.kind, RunResult::Kind::kCompleted) << again.result.detail;
    EXPECT_EQ(again.result.choices, first.result.choices);
    EXPECT_EQ(again.read, 0);
    EXPECT_TRUE(again.traced);
    return;
  }
  FAIL() << "no seed of 400 read the stale value";
}

}  // namespace
}  // namespace mapfault
