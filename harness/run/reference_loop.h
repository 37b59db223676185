// The reference loop: the thread start of a plain, hand-written stress test, kept as the baseline
// that `stress` must match (strategy `reference-loop`, docs/bug-benchmark.md). Per trial it creates
// fresh std::threads; each increments an atomic arrival counter and spins on it until every thread
// of the trial has arrived, then runs its body; the caller joins them all. Nothing else: no thread
// reuse, no futex or condition variable on the start path, no noise. A perturbed trial of strategy
// `reference-loop` runs the same program, map, history recording and checkers as `stress`
// (trial.cc); only this start differs.
#ifndef MAPFAULT_HARNESS_RUN_REFERENCE_LOOP_H_
#define MAPFAULT_HARNESS_RUN_REFERENCE_LOOP_H_

#include <functional>
#include <string>
#include <vector>

namespace mapfault {

// Runs body i on a fresh std::thread i, all released by an atomic spin barrier, and joins them.
// Returns "" or a description of the first exception a body let escape (as RunOnTrialThreads).
std::string RunOnSpinStartedThreads(const std::vector<std::function<void()>>& bodies);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_REFERENCE_LOOP_H_
