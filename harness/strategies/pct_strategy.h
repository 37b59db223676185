// PCT (probabilistic concurrency testing, Burckhardt et al., ASPLOS 2010) with bug depth d.
//
// Each thread gets a distinct random priority above d; the highest-priority runnable thread always
// runs. At d-1 change points chosen uniformly in [1, k] (k = expected steps) the running thread's
// priority drops below every initial priority. A depth-d bug is found with probability at least
// 1/(n * k^(d-1)) per trial.
#ifndef MAPFAULT_HARNESS_STRATEGIES_PCT_STRATEGY_H_
#define MAPFAULT_HARNESS_STRATEGIES_PCT_STRATEGY_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "harness/base/rng.h"
#include "harness/engine/strategy.h"
#include "harness/strategies/strategy_spec.h"
#include "harness/strategies/strategy_table.h"

namespace mapfault {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(uint64_t seed, int depth,
              int latest_percent = StrategySpec::kDefaultLatestPercent)
      : rng_(seed), depth_(depth), latest_percent_(latest_percent) {}
  void Begin(int threads, uint64_t expected_steps) override;
  int Choose(ThreadMask runnable, int current, uint64_t step) override;
  int ChooseStore(int readable, uint64_t step) override;

 private:
  Rng rng_;
  int depth_;
  int latest_percent_;
  std::vector<int> priority_;             // per thread; higher runs first
  std::vector<uint64_t> change_points_;   // ascending steps
  size_t next_change_ = 0;
};

// The pct row's hooks (strategy_table.h): "pct:d=N" with N in 1..10, the controlled PctStrategy,
// and in perturbed mode PCT's priorities realised as delays with d-1 change points.
absl::Status ParsePctParams(std::string_view text, std::string_view params, StrategySpec& spec);
std::string FormatPctParams(const StrategySpec& spec);
std::unique_ptr<Strategy> MakePctStrategy(const StrategySpec& spec, uint64_t seed);
NoisePolicy PctNoise(const StrategySpec& spec, uint64_t seed);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_PCT_STRATEGY_H_
