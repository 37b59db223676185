// The portfolio strategy: this trial's member, from its seed.
#include "harness/strategies/portfolio_strategy.h"

namespace mapfault {
namespace {

StrategySpec Member(StrategyKind kind, int depth) {
  StrategySpec member;
  member.kind = kind;
  member.depth = depth;
  return member;
}

}  // namespace

std::unique_ptr<Strategy> MakePortfolioStrategy(const StrategySpec&, uint64_t seed) {
  const StrategySpec member = seed % 3 == 0   ? Member(StrategyKind::kRandom, 3)
                              : seed % 3 == 1 ? Member(StrategyKind::kPct, 2)
                                              : Member(StrategyKind::kPct, 3);
  return StrategyRowOf(member.kind).make_controlled(member, seed);
}

NoisePolicy PortfolioNoise(const StrategySpec&, uint64_t seed) {
  const StrategySpec member =
      seed % 2 == 0 ? Member(StrategyKind::kNoise, 3) : Member(StrategyKind::kPct, 3);
  return StrategyRowOf(member.kind).noise(member, seed);
}

}  // namespace mapfault
