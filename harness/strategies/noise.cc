// Noise plans for perturbed mode: a strategy's NoisePolicy realised at every perturbation point.
#include "harness/strategies/noise.h"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <numeric>

namespace mapfault {
namespace {

void SleepMicros(uint64_t us) {
  timespec ts{0, static_cast<long>(us * 1000)};
  nanosleep(&ts, nullptr);
}

void Spin(uint64_t iterations) {
  for (uint64_t i = 0; i < iterations; ++i) asm volatile("" ::: "memory");  // not optimised away
}

}  // namespace

NoisePlan::NoisePlan(const StrategySpec& spec, uint64_t seed, int threads, uint64_t expected_points)
    : seed_(seed), expected_points_(std::max<uint64_t>(expected_points, 1)) {
  const StrategyRow& row = StrategyRowOf(spec.kind);
  policy_ = row.noise != nullptr ? row.noise(spec, seed) : NoisePolicy{};
  Rng rng(seed);
  ranks_.resize(threads);
  std::iota(ranks_.begin(), ranks_.end(), 0);
  for (int i = threads - 1; i > 0; --i) std::swap(ranks_[i], ranks_[rng.Below(i + 1)]);
  change_points_.resize(threads);
  // The change points over all threads' points; each lands in one thread's sequence.
  for (int i = 0; i < policy_.change_points; ++i) {
    const int t = static_cast<int>(rng.Below(threads));
    change_points_[t].push_back(1 + rng.Below(expected_points_));
  }
  for (auto& v : change_points_) std::sort(v.begin(), v.end());
}

NoisePlan::Thread NoisePlan::ForThread(int thread) const {
  Thread t;
  t.plan_ = this;
  t.thread_ = thread;
  t.rng_ = Rng(seed_).Split(100 + thread);
  t.change_points_ = change_points_[thread];
  t.priority_rank_ = ranks_[thread];
  return t;
}

void NoisePlan::Thread::At(const char* /*label*/) {
  const uint64_t point = ++points_;
  if (plan_->policy_.jitter) {
    const uint64_t roll = rng_.Below(64);
    if (roll < 12) {
      sched_yield();
    } else if (roll < 16) {
      Spin(200 + rng_.Below(2000));
    } else if (roll < 18) {
      SleepMicros(1 + rng_.Below(30));
    }
  }
  if (plan_->policy_.priorities) {
    // Lower priorities start late: the highest-priority thread runs ahead.
    if (point == 1 && priority_rank_ > 0) SleepMicros(40 * priority_rank_);
    while (next_change_ < change_points_.size() && change_points_[next_change_] <= point) {
      ++next_change_;
      SleepMicros(200);  // demoted: everyone else gets ahead
    }
  }
}

NoisePolicy JitterNoise(const StrategySpec&, uint64_t) { return {.jitter = true}; }

}  // namespace mapfault
