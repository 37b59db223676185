// Random-walk strategy.
#include "harness/strategies/random_strategy.h"

#include <bit>

namespace mapfault {

int NthSetBit(ThreadMask mask, int n) {
  for (int i = 0; i < n; ++i) mask &= mask - 1;
  return std::countr_zero(mask);
}

int RandomStrategy::Choose(ThreadMask runnable, int, uint64_t) {
  return NthSetBit(runnable, static_cast<int>(rng_.Below(std::popcount(runnable))));
}

std::unique_ptr<Strategy> MakeRandomStrategy(const StrategySpec&, uint64_t seed) {
  return std::make_unique<RandomStrategy>(seed);
}

}  // namespace mapfault
