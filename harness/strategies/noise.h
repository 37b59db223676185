// Perturbation for real threads (perturbed mode). A NoisePlan decides, at every perturbation point a
// thread reaches (operation boundaries, every RealSync yield inside a backend such as between two
// entries of an iteration, every RealSync lock and unlock), whether to yield the CPU, spin, or sleep
// briefly. Decisions depend only on the trial seed, the thread and how many points that thread has
// passed, never on timing, so a replay runs the same experiment (its outcome may still differ:
// real threads are scheduled by the OS, hence perturbed replays report a reproduction rate).
//
// What noise a strategy makes is its row's NoisePolicy (strategy_table.h): stress none (the
// baseline), noise jitter (random yields, spins and sleeps), and pct:d=N priorities (PCT's
// priorities realised as delays: each thread gets a distinct priority; lower priorities wait longer
// at their first point, and at N-1 change points, placed by the seed among each thread's expected
// points, the thread that reaches one sleeps long, as if demoted).
#ifndef MAPFAULT_HARNESS_STRATEGIES_NOISE_H_
#define MAPFAULT_HARNESS_STRATEGIES_NOISE_H_

#include <cstdint>
#include <vector>

#include "harness/base/rng.h"
#include "harness/engine/perturbation.h"
#include "harness/strategies/strategy_spec.h"
#include "harness/strategies/strategy_table.h"

namespace mapfault {

class NoisePlan {
 public:
  NoisePlan(const StrategySpec& spec, uint64_t seed, int threads, uint64_t expected_points);

  // Per-thread state; each OS thread of a trial uses its own (installed with ThreadNoiseScope).
  class Thread final : public PerturbationHook {
   public:
    void At(const char* label) override;
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
  NoisePolicy policy_;
  uint64_t seed_;
  uint64_t expected_points_;
  std::vector<int> ranks_;
  std::vector<std::vector<uint64_t>> change_points_;
};

// The noise row's hook (strategy_table.h): jitter at every point.
NoisePolicy JitterNoise(const StrategySpec& spec, uint64_t seed);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_NOISE_H_
