// Random-walk strategy: at every scheduling point pick a runnable thread uniformly at random.
#ifndef MAPFAULT_HARNESS_STRATEGIES_RANDOM_STRATEGY_H_
#define MAPFAULT_HARNESS_STRATEGIES_RANDOM_STRATEGY_H_

#include <memory>

#include "harness/base/rng.h"
#include "harness/engine/strategy.h"
#include "harness/strategies/strategy_spec.h"

namespace mapfault {

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(uint64_t seed) : rng_(seed) {}
  void Begin(int, uint64_t) override {}
  int Choose(ThreadMask runnable, int current, uint64_t step) override;

 private:
  Rng rng_;
};

// Index of the n-th (0-based) set bit of `mask`; n < popcount(mask).
int NthSetBit(ThreadMask mask, int n);

// The random row's controlled factory (strategy_table.h).
std::unique_ptr<Strategy> MakeRandomStrategy(const StrategySpec& spec, uint64_t seed);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_RANDOM_STRATEGY_H_
