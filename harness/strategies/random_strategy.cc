// Random-walk strategy.
#include "harness/strategies/random_strategy.h"

#include <bit>

namespace mapfault {

int NthSetBit(ThreadMask mask, int n) {
  for (int i = 0; i < n; ++i) mask &= mask - 1;
  return std::countr_zero(mask);
}

int ChooseStoreBiased(Rng& rng, int readable, int latest_percent) {
  if (readable <= 1 || static_cast<int>(rng.Below(100)) < latest_percent) return 0;
  return 1 + static_cast<int>(rng.Below(static_cast<uint64_t>(readable - 1)));
}

int RandomStrategy::Choose(ThreadMask runnable, int, uint64_t) {
  const auto threads = static_cast<uint64_t>(ThreadCount(runnable));
  return NthSetBit(runnable, static_cast<int>(rng_.Below(threads)));
}

std::unique_ptr<Strategy> MakeRandomStrategy(const StrategySpec& spec, uint64_t seed) {
  return std::make_unique<RandomStrategy>(seed, spec.latest_percent);
}

}  // namespace mapfault
