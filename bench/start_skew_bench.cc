// Start skew of perturbed-mode trial threads: how far apart in time the threads of one trial begin
// their bodies. Each iteration starts one trial of trivial bodies that read the steady clock as
// their first operation; the counters are the median and 90th percentile, over the iterations, of
// the skew (latest body start minus earliest) and of the latency from the call to the latest body
// start. Compared: the reusable pool of `stress` (RunOnTrialThreads) and the hand-written
// reference loop (fresh std::threads on an atomic spin barrier, harness/run/reference_loop.h).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/engine/trial_threads.h"
#include "harness/run/reference_loop.h"

namespace mapfault {
namespace {

using Clock = std::chrono::steady_clock;
using Starter = std::string (*)(const std::vector<std::function<void()>>&);

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

// One trial of `threads` bodies per iteration, started by `start`.
void MeasureStartSkew(benchmark::State& state, Starter start) {
  const size_t threads = static_cast<size_t>(state.range(0));
  std::vector<Clock::time_point> began(threads);
  std::vector<std::function<void()>> bodies;
  for (size_t t = 0; t < threads; ++t) bodies.push_back([&began, t] { began[t] = Clock::now(); });
  std::vector<double> skew, latency;
  for (auto _ : state) {
    const Clock::time_point called = Clock::now();
    benchmark::DoNotOptimize(start(bodies));
    const auto [first, last] = std::minmax_element(began.begin(), began.end());
    skew.push_back(std::chrono::duration<double, std::nano>(*last - *first).count());
    latency.push_back(std::chrono::duration<double, std::nano>(*last - called).count());
  }
  state.counters["skew_p50_ns"] = Percentile(skew, 0.5);
  state.counters["skew_p90_ns"] = Percentile(skew, 0.9);
  state.counters["start_p50_ns"] = Percentile(latency, 0.5);
  state.counters["start_p90_ns"] = Percentile(latency, 0.9);
}

void BM_StartSkewTrialThreads(benchmark::State& state) {
  MeasureStartSkew(state, RunOnTrialThreads);
}
BENCHMARK(BM_StartSkewTrialThreads)->Arg(2)->Arg(3)->Iterations(20000)->UseRealTime();

void BM_StartSkewReferenceLoop(benchmark::State& state) {
  MeasureStartSkew(state, RunOnSpinStartedThreads);
}
BENCHMARK(BM_StartSkewReferenceLoop)->Arg(2)->Arg(3)->Iterations(20000)->UseRealTime();

}  // namespace
}  // namespace mapfault
