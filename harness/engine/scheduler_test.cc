// Tests of the controlled scheduler: interleaving, determinism, replay, deadlock, livelock,
// divergence and escaped exceptions.
#include "harness/engine/scheduler.h"

#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/engine/sync.h"
#include "harness/strategies/random_strategy.h"
#include "harness/strategies/replay_strategy.h"

#if defined(MAPFAULT_TSAN)
// TSan's debugging interface (tsan_debugging.cpp; not in its public headers): the allocation stack
// of a heap block, as TSan stored it, and its size. That stack is the allocating context's shadow
// stack, so its depth shows whether fiber switches left that shadow stack unbalanced.
extern "C" int __tsan_get_alloc_stack(uintptr_t addr, uintptr_t* trace, uintptr_t size,
                                      int* thread_id, uint64_t* os_id);
#endif

namespace mapfault {
namespace {

// Two threads each append their id to `order` three times, with a scheduling point before each.
std::vector<std::function<void()>> Appenders(std::string& order) {
  std::vector<std::function<void()>> bodies;
  for (char id : {'a', 'b'}) {
    bodies.push_back([&order, id] {
      for (int i = 0; i < 3; ++i) {
        ControlledSync::Yield("append");
        order.push_back(id);
      }
    });
  }
  return bodies;
}

std::string RunAppenders(Strategy& strategy, RunResult* result = nullptr) {
  std::string order;
  std::vector<std::function<void()>> bodies = Appenders(order);
  Scheduler scheduler(strategy, {});
  RunResult r = scheduler.Run(std::move(bodies));
  if (result != nullptr) *result = r;
  return order;
}

TEST(SchedulerTest, RunsEveryThreadToCompletion) {
  RandomStrategy strategy(1);
  RunResult r;
  const std::string order = RunAppenders(strategy, &r);
  EXPECT_EQ(r.kind, RunResult::Kind::kCompleted);
  EXPECT_EQ(std::count(order.begin(), order.end(), 'a'), 3);
  EXPECT_EQ(std::count(order.begin(), order.end(), 'b'), 3);
}

TEST(SchedulerTest, RandomWalkExploresInterleavingsAndIsDeterministicPerSeed) {
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    RandomStrategy s1(seed), s2(seed);
    const std::string first = RunAppenders(s1);
    EXPECT_EQ(first, RunAppenders(s2)) << "seed " << seed;
    seen.insert(first);
  }
  // 6 choose 3 = 20 interleavings exist; a random walk over 200 seeds finds most of them.
  EXPECT_GE(seen.size(), 15u);
}

TEST(SchedulerTest, ReplayOfRecordedChoicesReproducesTheRun) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    RandomStrategy random(seed);
    RunResult original;
    const std::string order = RunAppenders(random, &original);
    ReplayStrategy replay(original.choices);
    RunResult again;
    EXPECT_EQ(RunAppenders(replay, &again), order);
    EXPECT_EQ(again.kind, RunResult::Kind::kCompleted);
    EXPECT_EQ(again.choices, original.choices);
    EXPECT_EQ(again.steps, original.steps);
  }
}

TEST(SchedulerTest, ReplayThatCannotFollowItsRecordingStopsLoudly) {
  ReplayStrategy replay({0});  // one choice, but the appenders need several
  RunResult r;
  RunAppenders(replay, &r);
  EXPECT_EQ(r.kind, RunResult::Kind::kDivergence);
  EXPECT_NE(r.detail.find("replay diverged"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("T0,T1"), std::string::npos) << r.detail;
}

// A strategy that has no choice for the very first pick (a replay of no choices; an exhaustive
// shard whose subtree starts elsewhere) ends the trial from main itself, before any thread ran:
// divergence, with every thread unwound unstarted (it once switched main to itself and crashed).
TEST(SchedulerTest, ReplayThatCannotMakeTheFirstChoiceStopsBeforeAnyThreadRuns) {
  ReplayStrategy replay({});
  RunResult r;
  EXPECT_EQ(RunAppenders(replay, &r), "");
  EXPECT_EQ(r.kind, RunResult::Kind::kDivergence);
  EXPECT_EQ(r.steps, 0u);
  EXPECT_NE(r.detail.find("replay diverged at step 0"), std::string::npos) << r.detail;
}

TEST(SchedulerTest, DetectsLockOrderDeadlock) {
  int deadlocks = 0;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    ControlledSync::Mutex a, b;
    std::vector<std::function<void()>> bodies = {
        [&] {
          LockGuard ga(a, "lock a");
          LockGuard gb(b, "lock b");
        },
        [&] {
          LockGuard gb(b, "lock b");
          LockGuard ga(a, "lock a");
        }};
    RandomStrategy strategy(seed);
    Scheduler scheduler(strategy, {});
    const RunResult r = scheduler.Run(std::move(bodies));
    if (r.kind == RunResult::Kind::kDeadlock) {
      ++deadlocks;
      EXPECT_NE(r.detail.find("T0, T1 blocked"), std::string::npos) << r.detail;
    } else {
      EXPECT_EQ(r.kind, RunResult::Kind::kCompleted);
    }
  }
  EXPECT_GT(deadlocks, 0);
  EXPECT_LT(deadlocks, 100);
}

TEST(SchedulerTest, DetectsLivelockByStepBound) {
  ControlledSync::Atomic<bool> flag(false);
  std::vector<std::function<void()>> bodies = {[&] {
    while (!flag.load()) {
    }
  }};
  RandomStrategy strategy(3);
  Scheduler::Options options;
  options.max_steps = 500;
  Scheduler scheduler(strategy, options);
  const RunResult r = scheduler.Run(std::move(bodies));
  EXPECT_EQ(r.kind, RunResult::Kind::kLivelock);
  EXPECT_NE(r.detail.find("step bound of 500"), std::string::npos) << r.detail;
}

TEST(SchedulerTest, EscapedExceptionEndsTheTrial) {
  std::vector<std::function<void()>> bodies = {
      [] { throw std::runtime_error("boom"); },
      [] { ControlledSync::Yield("other"); }};
  RandomStrategy strategy(1);
  Scheduler scheduler(strategy, {});
  const RunResult r = scheduler.Run(std::move(bodies));
  EXPECT_EQ(r.kind, RunResult::Kind::kException);
  EXPECT_NE(r.detail.find("boom"), std::string::npos);
}

TEST(SchedulerTest, UnwindsSuspendedThreadsWhenTheTrialEnds) {
  // A deadlocked thread holds a guard; ending the trial must run its destructor.
  int destroyed = 0;
  struct Counter {
    int* n;
    ~Counter() { ++*n; }
  };
  for (uint64_t seed = 0; seed < 20; ++seed) {
    ControlledSync::Mutex m;
    std::vector<std::function<void()>> bodies = {[&] {
                                                   Counter c{&destroyed};
                                                   m.lock();
                                                   m.lock();  // self-deadlock
                                                 }};
    RandomStrategy strategy(seed);
    Scheduler scheduler(strategy, {});
    EXPECT_EQ(scheduler.Run(std::move(bodies)).kind, RunResult::Kind::kDeadlock);
  }
  EXPECT_EQ(destroyed, 20);
}

TEST(SchedulerTest, TrialEndingWhileAThreadIsInsideAnUnlockDoesNotTerminate) {
  // The livelock bound lands sometimes in lock(), sometimes in the unlock() of a guard's
  // destructor, where unwinding must wait for the next scheduling point.
  for (uint64_t seed = 0; seed < 200; ++seed) {
    ControlledSync::Mutex m;
    std::vector<std::function<void()>> bodies;
    for (int t = 0; t < 2; ++t) {
      bodies.push_back([&] {
        for (;;) {
          LockGuard g(m);
          ControlledSync::Yield("inside");
        }
      });
    }
    RandomStrategy strategy(seed);
    Scheduler::Options options;
    options.max_steps = 50 + seed % 7;
    Scheduler scheduler(strategy, options);
    EXPECT_EQ(scheduler.Run(std::move(bodies)).kind, RunResult::Kind::kLivelock);
    EXPECT_TRUE(m.try_lock()) << "an unwound guard did not release the lock, seed " << seed;
  }
}

#if defined(MAPFAULT_TSAN)
// The depth of TSan's shadow stack of the running context where this is called (the frames of the
// stack TSan stores for an allocation made here).
[[gnu::noinline]] int ShadowStackDepthHere() {
  const auto block = std::make_unique<char[]>(16);
  static uintptr_t trace[1 << 16];  // deeper than any plausible drift
  int thread = 0;
  uint64_t os_id = 0;
  return __tsan_get_alloc_stack(reinterpret_cast<uintptr_t>(block.get()), trace, 1 << 16, &thread,
                                &os_id);
}
#endif

// Fiber switches keep TSan's shadow stacks balanced: many trials ending every way (completed,
// deadlock with unwinding, livelock, escaped exception, never-started threads) leave the main
// context's shadow stack as deep as before, and a thread that a finishing thread switched to is as
// deep as before that switch. Before fiber_entry.cc, main's grew every trial (here from 4 frames
// to 124) and T0's lost a frame, so every stack TSan stored was new and longer and a long search
// grew TSan's stack depot without bound.
// Deterministic: it counts frames, not time or memory. Only meaningful under TSan.
TEST(SchedulerTest, FiberSwitchesKeepTsanShadowStacksBalanced) {
#if !defined(MAPFAULT_TSAN)
  GTEST_SKIP() << "checks ThreadSanitizer's shadow stacks; this is not a TSan build";
#else
  const int main_depth = ShadowStackDepthHere();
  ASSERT_GT(main_depth, 0);
  for (uint64_t seed = 0; seed < 50; ++seed) {
    // T0 is suspended while T1 finishes, so T1's last switch lands in T0 (choices: T0 first, then
    // T1 at T0's yield; T1 then runs to its end, and T0 is the only one left).
    int before = -1, after = -2;
    std::vector<std::function<void()>> bodies = {[&] {
                                                   before = ShadowStackDepthHere();
                                                   ControlledSync::Yield("let T1 finish");
                                                   after = ShadowStackDepthHere();
                                                 },
                                                 [] {}};
    ReplayStrategy replay({0, 1});
    Scheduler scheduler(replay, {});
    EXPECT_EQ(scheduler.Run(std::move(bodies)).kind, RunResult::Kind::kCompleted);
    EXPECT_EQ(after, before) << "seed " << seed;

    ControlledSync::Mutex a, b;
    std::vector<std::function<void()>> deadlocking = {[&] {
                                                        LockGuard ga(a, "lock a");
                                                        LockGuard gb(b, "lock b");
                                                      },
                                                      [&] {
                                                        LockGuard gb(b, "lock b");
                                                        LockGuard ga(a, "lock a");
                                                      },
                                                      [] { ControlledSync::Yield("third"); }};
    RandomStrategy random(seed);
    Scheduler deadlock_scheduler(random, {});
    deadlock_scheduler.Run(std::move(deadlocking));

    ControlledSync::Atomic<bool> flag(false);
    std::vector<std::function<void()>> spinning = {[&] {
                                                     while (!flag.load()) {
                                                     }
                                                   },
                                                   [] { throw std::runtime_error("boom"); }};
    Scheduler::Options options;
    options.max_steps = 20 + seed % 5;
    RandomStrategy random2(seed);
    Scheduler spin_scheduler(random2, options);
    spin_scheduler.Run(std::move(spinning));
  }
  EXPECT_EQ(ShadowStackDepthHere(), main_depth);
#endif
}

TEST(SchedulerTest, TraceRecordsPointsAndPreemptions) {
  std::vector<TraceEvent> events(1000);
  size_t count = 0;
  TraceBuffer trace{events.data(), events.size(), &count};
  RandomStrategy strategy(7);
  Scheduler::Options options;
  options.trace = &trace;
  std::string order;
  Scheduler scheduler(strategy, options);
  const RunResult r = scheduler.Run(Appenders(order));
  int points = 0, preempted = 0;
  for (size_t i = 0; i < count; ++i) {
    points += events[i].kind == TraceKind::kYield;
    preempted += events[i].preempted;
  }
  EXPECT_EQ(points, 6);
  EXPECT_EQ(static_cast<uint64_t>(points), r.steps);
  EXPECT_EQ(preempted, r.preemptions);
}

}  // namespace
}  // namespace mapfault
