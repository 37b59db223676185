// Tests of timer-signal preemption: the scope pins the thread to one CPU, its timer interrupts a
// busy thread, and everything is undone when the scope ends.
#include "harness/engine/preempt.h"

#include <pthread.h>

#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

cpu_set_t Affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  pthread_getaffinity_np(pthread_self(), sizeof(set), &set);
  return set;
}

TEST(PreemptTest, PinsInterruptsAndRestores) {
  std::thread([] {
    const cpu_set_t before = Affinity();
    const int cpu = PreemptCpu(7);
    EXPECT_TRUE(CPU_ISSET(cpu, &before));
    const uint64_t start = PreemptionsOnThisThread();
    {
      PreemptScope scope(cpu, 7);
      ASSERT_TRUE(scope.active());
      const cpu_set_t pinned = Affinity();
      EXPECT_EQ(CPU_COUNT(&pinned), 1);
      EXPECT_TRUE(CPU_ISSET(cpu, &pinned));
      // Busy work until the timer has interrupted it a few times (each interval is <= 30 us of
      // wall time; the deadline only bounds a broken timer, it is not a timing assertion).
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      volatile uint64_t sink = 0;
      while (PreemptionsOnThisThread() - start < 5 && std::chrono::steady_clock::now() < deadline) {
        for (int i = 0; i < 1000; ++i) sink = sink + i;
      }
      EXPECT_GE(PreemptionsOnThisThread() - start, 5u);
    }
    const uint64_t after_scope = PreemptionsOnThisThread();
    const cpu_set_t restored = Affinity();
    EXPECT_TRUE(CPU_EQUAL(&before, &restored));
    // Disarmed: more busy work is not interrupted any more.
    volatile uint64_t sink = 0;
    for (int i = 0; i < 20'000'000; ++i) sink = sink + i;
    EXPECT_EQ(PreemptionsOnThisThread(), after_scope);
  }).join();
}

TEST(PreemptTest, PreemptedPerturbedCellsRunAndKeepTheirStrategyInTokens) {
  CellSpec c;
  c.mode = ExecMode::kPerturbed;
  c.backend = GlobalBackends().Find("mutex");
  c.scenario = ScenarioRegistry::Builtin().Find("mixed-ops");
  c.params = c.scenario->defaults;
  c.strategy = *StrategySpec::Parse("noise+preempt");
  c.trials = 200;
  SupervisorOptions o;
  o.seed = 3;
  o.jobs = 2;
  const RunResults r = RunCells({c}, o);
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].trials, 200u);
  EXPECT_EQ(r.cells[0].strategy, "noise+preempt");
  for (const InvariantResult& ir : r.cells[0].invariants) {
    EXPECT_NE(ir.verdict, Verdict::kBroken) << ir.explanation;  // a correct map holds regardless
  }
}

}  // namespace
}  // namespace mapfault
