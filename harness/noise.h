// Perturbation for real threads (perturbed mode). A NoisePlan decides, at every perturbation point a
// thread reaches (operation boundaries, every RealSync yield inside a backend such as between two
// entries of an iteration, every RealSync lock and unlock), whether to yield the CPU, spin, or sleep
// briefly. Decisions depend only on the trial seed, the thread and how many points that thread has
// passed, never on timing, so a replay runs the same experiment (its outcome may still differ:
// real threads are scheduled by the OS, hence perturbed replays report a reproduction rate).
//
// Strategies: stress (no noise: the baseline), noise (random yields, spins and sleeps), and pct:d=N
// (PCT's priorities realised as delays: each thread gets a distinct priority; lower priorities wait
// longer at their first point, and at N-1 change points, placed by the seed among each thread's
// expected points, the thread that reaches one sleeps long, as if demoted).
#ifndef MAPFAULT_HARNESS_NOISE_H_
#define MAPFAULT_HARNESS_NOISE_H_

#include <cstdint>
#include <vector>

#include "harness/rng.h"
#include "harness/strategy.h"

namespace mapfault {

class NoisePlan {
 public:
  NoisePlan(const StrategySpec& spec, uint64_t seed, int threads, uint64_t expected_points);

  // Per-thread state; each OS thread of a trial uses its own (installed with ThreadNoiseScope).
  class Thread {
   public:
    void At(const char* label);
    uint64_t points() const { return points_; }

   private:
    friend class NoisePlan;
    const NoisePlan* plan_ = nullptr;
    int thread_ = 0;
    Rng rng_{0};
    uint64_t points_ = 0;
    std::vector<uint64_t> change_points_;  // ascending point indices at which this thread sleeps
    size_t next_change_ = 0;
    int priority_rank_ = 0;  // 0 = highest
  };

  Thread ForThread(int thread) const;

 private:
  StrategySpec spec_;
  uint64_t seed_;
  int threads_;
  uint64_t expected_points_;
  std::vector<int> ranks_;
  std::vector<std::vector<uint64_t>> change_points_;
};

// The noise of the calling OS thread, or nullptr (no noise: the common case is one branch).
// Inline, so a perturbation point with no plan installed is one thread-local load and a branch, not
// a call (bench/backend_bench.cc: an out-of-line check tripled the cost of iterating a table).
namespace noise_internal {
extern constinit thread_local NoisePlan::Thread* current_noise;
}  // namespace noise_internal
inline NoisePlan::Thread* CurrentThreadNoise() { return noise_internal::current_noise; }

// Installs `noise` for the calling thread for the scope's lifetime.
class ThreadNoiseScope {
 public:
  explicit ThreadNoiseScope(NoisePlan::Thread* noise);
  ~ThreadNoiseScope();
  ThreadNoiseScope(const ThreadNoiseScope&) = delete;
  ThreadNoiseScope& operator=(const ThreadNoiseScope&) = delete;

 private:
  NoisePlan::Thread* previous_;
};

// A perturbation point: called by RealSync and by the operation runner.
inline void PerturbationPoint(const char* label) {
  if (NoisePlan::Thread* n = CurrentThreadNoise()) n->At(label);
}

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_NOISE_H_
