// The OS threads of perturbed-mode trials: created once per worker process (after the fork, never in
// the supervisor) and reused by every trial; each trial's bodies start together (the threads are
// released only when all of them are ready) and the call returns when all have finished.
#ifndef MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_H_
#define MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_H_

#include <functional>
#include <string>
#include <vector>

namespace mapfault {

// Runs body i on trial thread i. Returns "" or a description of the first exception a body let
// escape (its thread survives for the next trial).
std::string RunOnTrialThreads(const std::vector<std::function<void()>>& bodies);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_H_
