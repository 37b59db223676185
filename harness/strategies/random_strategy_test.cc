// Tests of the random strategy: a choice among up to 8 threads (its look-up table) is the one the
// general path (count the set bits, take the n-th) makes from the same draw, so schedules and
// replay tokens do not depend on the table; and larger masks still choose a runnable thread.
#include "harness/strategies/random_strategy.h"

#include <cstdint>

#include "gtest/gtest.h"
#include "harness/base/rng.h"

namespace mapfault {
namespace {

TEST(RandomStrategyTest, ASmallMasksChoiceIsTheGeneralPathsFromTheSameDraw) {
  for (uint64_t seed : {1u, 7u, 12345u}) {
    RandomStrategy strategy(seed);
    Rng reference(seed);
    for (int round = 0; round < 20; ++round) {
      for (ThreadMask mask = 1; mask < 256; ++mask) {
        const uint64_t count = static_cast<uint64_t>(ThreadCount(mask));
        const int expected = NthSetBit(mask, static_cast<int>(reference.Below(count)));
        ASSERT_EQ(strategy.Choose(mask, 0, 0), expected) << "seed " << seed << " mask " << mask;
      }
    }
  }
}

TEST(RandomStrategyTest, ALargeMaskChoosesARunnableThreadAsTheGeneralPathDoes) {
  RandomStrategy strategy(3);
  Rng reference(3);
  for (ThreadMask mask : {ThreadMask{0x100}, ThreadMask{0x8000000000000001}, ~ThreadMask{0}}) {
    for (int i = 0; i < 100; ++i) {
      const int expected = NthSetBit(
          mask, static_cast<int>(reference.Below(static_cast<uint64_t>(ThreadCount(mask)))));
      const int chosen = strategy.Choose(mask, 0, 0);
      ASSERT_EQ(chosen, expected);
      ASSERT_TRUE((mask >> chosen) & 1);
    }
  }
}

}  // namespace
}  // namespace mapfault
