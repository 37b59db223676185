// Timer-signal preemption for perturbed trials (`--preempt`). Noise at perturbation points can only
// delay a thread where mapfault has a hook; a library's own code (oneTBB's bucket split, Abseil's
// probe loop) runs between hooks. With preemption on, every trial thread is pinned to the same CPU
// and gets a per-thread high-resolution timer whose signal handler yields the CPU, so the other
// trial thread runs in the middle of whatever instruction sequence the first was executing.
//
// The timer intervals come from the trial seed (so a replay applies the same plan), but where each
// signal lands depends on the hardware: like every perturbed run, preempted runs report a
// reproduction rate rather than an exact replay.
#ifndef MAPFAULT_HARNESS_ENGINE_PREEMPT_H_
#define MAPFAULT_HARNESS_ENGINE_PREEMPT_H_

#include <sched.h>
#include <time.h>

#include <cstdint>

namespace mapfault {

// Installs preemption on the calling thread for the scope's lifetime: pins it to `cpu` and arms a
// timer that signals this thread every `min_ns`..`max_ns` (seeded jitter); the handler calls
// sched_yield(). The destructor disarms the timer and restores the thread's CPU affinity.
class PreemptScope {
 public:
  static constexpr int64_t kDefaultMinNs = 2'000;
  static constexpr int64_t kDefaultMaxNs = 30'000;

  PreemptScope(int cpu, uint64_t seed, int64_t min_ns = kDefaultMinNs,
               int64_t max_ns = kDefaultMaxNs);
  ~PreemptScope();
  PreemptScope(const PreemptScope&) = delete;
  PreemptScope& operator=(const PreemptScope&) = delete;

  // False when the timer or the pinning could not be set up (the scope then does nothing).
  bool active() const { return active_; }

 private:
  bool active_ = false;
  bool pinned_ = false;
  timer_t timer_{};
  cpu_set_t previous_affinity_{};
};

// The CPU all threads of a preempted trial share: one the process may run on, chosen by `seed`.
int PreemptCpu(uint64_t seed);

// Preemption signals delivered to the calling thread so far (for tests and trace summaries).
uint64_t PreemptionsOnThisThread();

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_PREEMPT_H_
