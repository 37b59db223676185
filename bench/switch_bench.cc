// Context-switch costs: a bare Boost.Context fiber switch, a switch through mapfault's controlled
// scheduler, and an OS-thread hand-off over two semaphores (free, and both threads on CPU 0).
// Every benchmark reports the cost of ONE switch / hand-off in the counter "ns_per_switch" or
// "ns_per_handoff" (a round trip is two of them). The fiber benchmarks run on one OS thread and are
// timed in that thread's CPU time (robust to other processes on the CPU); the hand-offs, whose cost
// is mostly sleeping and waking, in wall-clock time.
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <semaphore>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/context/fiber.hpp>

#include "bench/bench_collector.h"
#include "harness/engine/fiber_stack.h"
#include "harness/engine/scheduler.h"
#include "harness/strategies/strategy_spec.h"
#include "harness/engine/sync.h"

namespace mapfault {
namespace {

namespace ctx = boost::context;
using Clock = std::chrono::steady_clock;

constexpr int64_t kYieldsPerThread = 100000;  // scheduling points per logical thread per trial

double NanosSince(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

// CPU time consumed by the calling OS thread, in nanoseconds.
double ThreadCpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return 1e9 * static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec);
}

// Sets the counters of a switch benchmark: `switches` single switches took `ns` nanoseconds.
void ReportSwitches(benchmark::State& state, const char* name, double ns, int64_t switches) {
  state.SetItemsProcessed(switches);
  state.counters[name] = benchmark::Counter(switches > 0 ? ns / static_cast<double>(switches) : 0);
}

// 1. Main and one fiber resume each other; each benchmark iteration is a round trip (2 switches).
void BM_BareFiberSwitch(benchmark::State& state) {
  bool stop = false;
  ctx::fiber fiber(std::allocator_arg, PooledStackAllocator(), [&stop](ctx::fiber&& main) {
    while (!stop) main = std::move(main).resume();
    return std::move(main);
  });
  fiber = std::move(fiber).resume();  // start it: the first switch in is not timed
  const double start = ThreadCpuNanos();
  for (auto _ : state) {
    fiber = std::move(fiber).resume();
  }
  const double ns = ThreadCpuNanos() - start;
  stop = true;
  fiber = std::move(fiber).resume();  // the fiber returns and ends
  ReportSwitches(state, "ns_per_switch", ns, 2 * static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_BareFiberSwitch);

// Always runs a runnable thread other than the current one (with 2 threads: strict alternation).
class AlternatingStrategy final : public Strategy {
 public:
  void Begin(int, uint64_t) override {}
  int Choose(ThreadMask runnable, int current, uint64_t) override {
    const ThreadMask others = current >= 0 && current < 64 ? runnable & ~(ThreadMask{1} << current)
                                                           : runnable;
    return std::countr_zero(others != 0 ? others : runnable);
  }
};

// 2. One iteration is one controlled trial of 2 logical threads that each yield kYieldsPerThread
// times; every yield is a scheduling point at which the strategy switches to the other thread.
void BM_ControlledSwitch(benchmark::State& state) {
  AlternatingStrategy strategy;
  Scheduler::Options options;
  options.max_steps = 4 * kYieldsPerThread;
  options.expected_steps = 2 * kYieldsPerThread;
  int64_t points = 0;
  const double start = ThreadCpuNanos();
  for (auto _ : state) {
    Scheduler scheduler(strategy, options);
    std::vector<std::function<void()>> bodies;
    for (int t = 0; t < 2; ++t) {
      bodies.push_back([] {
        for (int64_t i = 0; i < kYieldsPerThread; ++i) ControlledSync::Yield("bench");
      });
    }
    RunResult result = scheduler.Run(std::move(bodies));
    if (result.kind != RunResult::Kind::kCompleted) {
      state.SkipWithError("controlled trial did not complete");
      break;
    }
    points += static_cast<int64_t>(result.steps);
    benchmark::DoNotOptimize(result);
  }
  const double ns = ThreadCpuNanos() - start;
  // With strict alternation every scheduling point is one switch (plus 3 per trial in and out of
  // the main context, and the fiber start-ups, all counted in the time).
  ReportSwitches(state, "ns_per_switch", ns, points);
}
BENCHMARK(BM_ControlledSwitch)->Unit(benchmark::kMillisecond);

// 3. Main releases `ping` and waits on `pong`; the partner does the opposite. One iteration is a
// round trip (2 hand-offs). With `one_cpu`, both threads are pinned to CPU 0.
void OsThreadHandoff(benchmark::State& state, bool one_cpu) {
  cpu_set_t saved;
  pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
  if (one_cpu && !bench::PinToCpu0()) {
    state.SkipWithError("cannot pin to CPU 0");
    return;
  }
  std::binary_semaphore ping(0);
  std::binary_semaphore pong(0);
  std::atomic<bool> stop = false;
  std::atomic<bool> partner_pinned = true;
  std::thread partner([&] {
    if (one_cpu) partner_pinned = bench::PinToCpu0();
    for (;;) {
      ping.acquire();
      if (stop.load(std::memory_order_relaxed)) break;
      pong.release();
    }
  });
  // One untimed round trip: the partner is running (and pinned) before the clock starts.
  ping.release();
  pong.acquire();
  const Clock::time_point start = Clock::now();
  for (auto _ : state) {
    ping.release();
    pong.acquire();
  }
  const double ns = NanosSince(start);
  stop = true;
  ping.release();
  partner.join();
  pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
  if (!partner_pinned) {
    state.SkipWithError("cannot pin the partner thread to CPU 0");
    return;
  }
  ReportSwitches(state, "ns_per_handoff", ns, 2 * static_cast<int64_t>(state.iterations()));
}

void BM_OsThreadHandoff(benchmark::State& state) { OsThreadHandoff(state, false); }
BENCHMARK(BM_OsThreadHandoff)->UseRealTime();

void BM_OsThreadHandoffOneCpu(benchmark::State& state) { OsThreadHandoff(state, true); }
BENCHMARK(BM_OsThreadHandoffOneCpu)->UseRealTime();

}  // namespace
}  // namespace mapfault
