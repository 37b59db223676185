// PCT strategy, and its row hooks in the strategy table.
#include "harness/strategies/pct_strategy.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/strategies/random_strategy.h"

namespace mapfault {

void PctStrategy::Begin(int threads, uint64_t expected_steps) {
  // Random permutation of priorities d .. d+n-1.
  priority_.resize(threads);
  std::iota(priority_.begin(), priority_.end(), depth_);
  for (int i = threads - 1; i > 0; --i) {
    std::swap(priority_[i], priority_[rng_.Below(i + 1)]);
  }
  change_points_.clear();
  const uint64_t k = std::max<uint64_t>(expected_steps, 1);
  for (int i = 0; i < depth_ - 1; ++i) change_points_.push_back(1 + rng_.Below(k));
  std::sort(change_points_.begin(), change_points_.end());
  next_change_ = 0;
}

int PctStrategy::Choose(ThreadMask runnable, int current, uint64_t step) {
  // Apply every change point that has passed: the thread running at it drops to priority d-1-i.
  while (next_change_ < change_points_.size() && change_points_[next_change_] <= step) {
    if (current >= 0 && current < static_cast<int>(priority_.size())) {
      priority_[current] = depth_ - 2 - static_cast<int>(next_change_);
    }
    ++next_change_;
  }
  int best = -1;
  for (ThreadMask m = runnable; m != 0; m &= m - 1) {
    const int t = __builtin_ctzll(m);
    if (best < 0 || priority_[t] > priority_[best]) best = t;
  }
  return best;
}

// PCT orders threads, not stores: a weak load's store is chosen as the random walk does.
int PctStrategy::ChooseStore(int readable, uint64_t) {
  return ChooseStoreBiased(rng_, readable, latest_percent_);
}

absl::Status ParsePctParams(std::string_view text, std::string_view params, StrategySpec& spec) {
  constexpr std::string_view kDepth = "d=";
  if (params.substr(0, kDepth.size()) != kDepth) return absl::NotFoundError("not pct's syntax");
  int d = 0;
  if (!absl::SimpleAtoi(std::string(params.substr(kDepth.size())), &d) || d < 1 || d > 10) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad PCT depth in '", std::string(text),
                     "': use pct:d=N with N from 1 to 10"));
  }
  spec.depth = d;
  return absl::OkStatus();
}

std::string FormatPctParams(const StrategySpec& spec) { return absl::StrCat("d=", spec.depth); }

std::unique_ptr<Strategy> MakePctStrategy(const StrategySpec& spec, uint64_t seed) {
  return std::make_unique<PctStrategy>(seed, spec.depth, spec.latest_percent);
}

NoisePolicy PctNoise(const StrategySpec& spec, uint64_t) {
  return {.priorities = true, .change_points = spec.depth - 1};
}

}  // namespace mapfault
