// Random-walk strategy: at every scheduling point pick a runnable thread uniformly at random.
#ifndef MAPFAULT_HARNESS_STRATEGIES_RANDOM_STRATEGY_H_
#define MAPFAULT_HARNESS_STRATEGIES_RANDOM_STRATEGY_H_

#include <memory>

#include "harness/base/rng.h"
#include "harness/engine/strategy.h"
#include "harness/strategies/strategy_spec.h"

namespace mapfault {

// A weak load's store (Strategy::ChooseStore): the latest with `latest_percent` percent chance,
// else one of the older ones, uniformly.
int ChooseStoreBiased(Rng& rng, int readable, int latest_percent);

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(uint64_t seed, int latest_percent = StrategySpec::kDefaultLatestPercent)
      : rng_(seed), latest_percent_(latest_percent) {}
  void Begin(int, uint64_t) override {}
  int Choose(ThreadMask runnable, int current, uint64_t step) override;
  int ChooseStore(int readable, uint64_t) override {
    return ChooseStoreBiased(rng_, readable, latest_percent_);
  }

 private:
  Rng rng_;
  int latest_percent_;
};

// Index of the n-th (0-based) set bit of `mask`; n < popcount(mask).
int NthSetBit(ThreadMask mask, int n);

// The random row's controlled factory (strategy_table.h).
std::unique_ptr<Strategy> MakeRandomStrategy(const StrategySpec& spec, uint64_t seed);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_RANDOM_STRATEGY_H_
