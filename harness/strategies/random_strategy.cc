// Random-walk strategy.
#include "harness/strategies/random_strategy.h"

#include <array>
#include <bit>
#include <cstdint>

namespace mapfault {

int NthSetBit(ThreadMask mask, int n) {
  for (int i = 0; i < n; ++i) mask &= mask - 1;
  return std::countr_zero(mask);
}

int ChooseStoreBiased(Rng& rng, int readable, int latest_percent) {
  if (readable <= 1 || static_cast<int>(rng.Below(100)) < latest_percent) return 0;
  return 1 + static_cast<int>(rng.Below(static_cast<uint64_t>(readable - 1)));
}

namespace {

// For every mask of threads 0-7: how many it holds and which they are, in order. A trial's
// runnable set is one of these (up to 8 threads), so a choice is two look-ups instead of a loop
// over the set bits to count them and another to find the chosen one (~20 of its ~47
// instructions, callgrind of a 4x256 trial).
struct SmallMask {
  uint8_t count;
  uint8_t thread[8];
};
constexpr std::array<SmallMask, 256> kSmallMasks = [] {
  std::array<SmallMask, 256> t{};
  for (int mask = 0; mask < 256; ++mask) {
    for (int bit = 0; bit < 8; ++bit) {
      if ((mask >> bit) & 1) t[mask].thread[t[mask].count++] = static_cast<uint8_t>(bit);
    }
  }
  return t;
}();

}  // namespace

int RandomStrategy::Choose(ThreadMask runnable, int, uint64_t) {
  // The same draw as for any mask (Below of the runnable count): schedules and tokens do not
  // depend on which path picked the thread.
  if (runnable < kSmallMasks.size()) {
    const SmallMask& m = kSmallMasks[runnable];
    return m.thread[rng_.Below(m.count)];
  }
  const auto threads = static_cast<uint64_t>(ThreadCount(runnable));
  return NthSetBit(runnable, static_cast<int>(rng_.Below(threads)));
}

std::unique_ptr<Strategy> MakeRandomStrategy(const StrategySpec& spec, uint64_t seed) {
  return std::make_unique<RandomStrategy>(seed, spec.latest_percent);
}

}  // namespace mapfault
