// Perturbation points for real threads (perturbed mode). RealSync and the operation runner call
// PerturbationPoint(label) at every place where a perturbed trial may inject noise; what happens
// there is decided by the hook installed on the calling OS thread (strategies/noise.h installs a
// NoisePlan's per-thread state). The engine owns only the seam, not the policy, so strategies
// can add perturbation kinds without touching the engine.
#ifndef MAPFAULT_HARNESS_ENGINE_PERTURBATION_H_
#define MAPFAULT_HARNESS_ENGINE_PERTURBATION_H_

namespace mapfault {

// What a thread does at a perturbation point (yield, spin, sleep, count, ...).
class PerturbationHook {
 public:
  virtual void At(const char* label) = 0;

 protected:
  ~PerturbationHook() = default;
};

// The hook of the calling OS thread, or nullptr (no perturbation: the common case is one branch).
// Inline, so a perturbation point with no hook installed is one thread-local load and a branch, not
// a call (bench/backend_bench.cc: an out-of-line check tripled the cost of iterating a table).
namespace perturbation_internal {
extern constinit thread_local PerturbationHook* current_hook;
}  // namespace perturbation_internal

inline PerturbationHook* CurrentPerturbationHook() { return perturbation_internal::current_hook; }

// Installs `hook` for the calling thread for the scope's lifetime.
class PerturbationScope {
 public:
  explicit PerturbationScope(PerturbationHook* hook);
  ~PerturbationScope();
  PerturbationScope(const PerturbationScope&) = delete;
  PerturbationScope& operator=(const PerturbationScope&) = delete;

 private:
  PerturbationHook* previous_;
};

// A perturbation point: called by RealSync and by the operation runner.
inline void PerturbationPoint(const char* label) {
  if (PerturbationHook* h = CurrentPerturbationHook()) h->At(label);
}

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_PERTURBATION_H_
