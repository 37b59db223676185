// PCT (probabilistic concurrency testing, Burckhardt et al., ASPLOS 2010) with bug depth d.
//
// Each thread gets a distinct random priority above d; the highest-priority runnable thread always
// runs. At d-1 change points chosen uniformly in [1, k] (k = expected steps) the running thread's
// priority drops below every initial priority. A depth-d bug is found with probability at least
// 1/(n * k^(d-1)) per trial.
#ifndef MAPFAULT_HARNESS_STRATEGIES_PCT_STRATEGY_H_
#define MAPFAULT_HARNESS_STRATEGIES_PCT_STRATEGY_H_

#include <vector>

#include "harness/base/rng.h"
#include "harness/engine/strategy.h"

namespace mapfault {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(uint64_t seed, int depth) : rng_(seed), depth_(depth) {}
  void Begin(int threads, uint64_t expected_steps) override;
  int Choose(ThreadMask runnable, int current, uint64_t step) override;

 private:
  Rng rng_;
  int depth_;
  std::vector<int> priority_;             // per thread; higher runs first
  std::vector<uint64_t> change_points_;   // ascending steps
  size_t next_change_ = 0;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_PCT_STRATEGY_H_
