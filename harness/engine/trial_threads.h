// The OS threads of perturbed-mode trials: created once per worker process (after the fork, never in
// the supervisor) and reused by every trial; the call returns when all bodies have finished. Each
// trial's bodies start together, at least as tightly as a hand-written spin-barrier loop
// (harness/run/reference_loop.h): a thread counts itself in at an atomic arrival counter and spins
// on it until every thread of the trial has arrived, so all leave within a few cycles of the last
// arrival becoming visible; no futex or condition variable is on that path. While a trial has no
// more threads than the process has CPUs, trial thread i stays on CPU i. Between trials an idle
// thread spins briefly for the next trial, then parks on a futex; the caller sleeps while a trial
// runs.
#ifndef MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_H_
#define MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace mapfault {

// Runs body i on trial thread i. Returns "" or a description of the first exception a body let
// escape (its thread survives for the next trial).
std::string RunOnTrialThreads(const std::vector<std::function<void()>>& bodies);

// One iteration of a spin-wait: the CPU's pause hint (x86), else nothing.
void CpuRelax();

// Runs body `index` of a trial; "" or "T<index> let an exception escape: ..." (the wording of every
// real-thread trial's report of an escaped exception).
std::string RunCaught(const std::function<void()>& body, size_t index);

// On a trial thread: how many threads had arrived at the start barrier when this one was released
// (the trial's thread count, in every trial); 0 on any other thread. For tests.
size_t ArrivalsAtRelease();

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_H_
