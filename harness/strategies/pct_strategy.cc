// PCT strategy.
#include "harness/strategies/pct_strategy.h"

#include <algorithm>
#include <numeric>

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

}  // namespace mapfault
