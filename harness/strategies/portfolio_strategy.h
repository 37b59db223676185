// The portfolio strategy: one of several strategies per trial, picked by the trial's seed. No
// single strategy is best at every bug (docs/bug-benchmark.md), so a portfolio spreads
// the trials. Controlled: random walk, PCT d=2 or PCT d=3 (a third of the trials each); perturbed:
// noise or PCT d=3 as delays (half each). The members are built through their own table rows.
#ifndef MAPFAULT_HARNESS_STRATEGIES_PORTFOLIO_STRATEGY_H_
#define MAPFAULT_HARNESS_STRATEGIES_PORTFOLIO_STRATEGY_H_

#include <cstdint>
#include <memory>

#include "harness/engine/strategy.h"
#include "harness/strategies/strategy_spec.h"
#include "harness/strategies/strategy_table.h"

namespace mapfault {

// The portfolio row's hooks (strategy_table.h).
std::unique_ptr<Strategy> MakePortfolioStrategy(const StrategySpec& spec, uint64_t seed);
NoisePolicy PortfolioNoise(const StrategySpec& spec, uint64_t seed);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_PORTFOLIO_STRATEGY_H_
