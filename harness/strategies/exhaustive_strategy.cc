// The exhaustive strategy (iterative context bounding), and its row hooks in the strategy table.
#include "harness/strategies/exhaustive_strategy.h"

#include <bit>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mapfault {

bool ExhaustiveStrategy::Preempts(const ChoicePoint& point, int thread) {
  const bool current_runnable =
      point.current >= 0 && point.current < 64 && ((point.runnable >> point.current) & 1u) != 0;
  return current_runnable && thread != point.current;
}

void ExhaustiveStrategy::Begin(int, uint64_t) {
  next_ = 0;
  preemptions_ = 0;
  error_.clear();
}

int ExhaustiveStrategy::Choose(ThreadMask runnable, int current, uint64_t step) {
  if (next_ < path_.size()) {  // replaying the prefix
    const ChoicePoint& point = path_[next_];
    if (point.runnable != runnable || point.current != current) {
      error_ = absl::StrCat("exhaustive search diverged at step ", step, " (choice ", next_ + 1,
                            "): the backend ran differently on re-execution");
      return -1;
    }
  } else {  // extending without a preemption
    ChoicePoint point;
    point.runnable = runnable;
    point.current = current;
    const bool stay = current >= 0 && current < 64 && ((runnable >> current) & 1u) != 0;
    point.chosen = stay ? current : std::countr_zero(runnable);
    point.tried = ThreadMask{1} << point.chosen;
    point.preemptions_before = preemptions_;
    path_.push_back(point);
  }
  const ChoicePoint& point = path_[next_++];
  if (Preempts(point, point.chosen)) ++preemptions_;
  return point.chosen;
}

bool ExhaustiveStrategy::Advance() {
  if (diverged()) return false;
  path_.resize(next_);
  while (!path_.empty()) {
    ChoicePoint& point = path_.back();
    for (ThreadMask m = point.runnable & ~point.tried; m != 0; m &= m - 1) {
      const int thread = std::countr_zero(m);
      if (point.preemptions_before + (Preempts(point, thread) ? 1 : 0) > round_) continue;
      point.tried |= ThreadMask{1} << thread;
      point.chosen = thread;
      return true;
    }
    path_.pop_back();
  }
  if (round_ >= max_bound_) return false;
  ++round_;  // the next round starts again at the root, with the schedule without preemptions
  return true;
}

absl::Status ParseExhaustiveParams(std::string_view text, std::string_view params,
                                   StrategySpec& spec) {
  constexpr std::string_view kBound = "pb=", kMax = ",max=";
  if (params.substr(0, kBound.size()) != kBound) return absl::NotFoundError("not exhaustive's");
  std::string bound_text(params.substr(kBound.size()));
  std::string max_text;
  if (const size_t comma = bound_text.find(','); comma != std::string::npos) {
    max_text = bound_text.substr(comma);
    bound_text.resize(comma);
  }
  int bound = -1;
  uint64_t max_schedules = 0;
  const bool max_ok = max_text.empty() ||
                      (max_text.compare(0, kMax.size(), kMax) == 0 &&
                       absl::SimpleAtoi(max_text.substr(kMax.size()), &max_schedules) &&
                       max_schedules > 0);
  if (!absl::SimpleAtoi(bound_text, &bound) || bound < 0 || bound > kMaxPreemptionBound ||
      !max_ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad exhaustive strategy '", std::string(text), "': use exhaustive:pb=K with K from 0 to ",
        kMaxPreemptionBound, " (optionally exhaustive:pb=K,max=N, N > 0 schedules per program)"));
  }
  spec.preemption_bound = bound;
  spec.max_schedules = max_schedules;
  return absl::OkStatus();
}

std::string FormatExhaustiveParams(const StrategySpec& spec) {
  std::string text = absl::StrCat("pb=", spec.preemption_bound);
  if (spec.max_schedules != 0) absl::StrAppend(&text, ",max=", spec.max_schedules);
  return text;
}

std::unique_ptr<Strategy> MakeExhaustiveStrategy(const StrategySpec& spec, uint64_t) {
  return std::make_unique<ExhaustiveStrategy>(spec.preemption_bound);
}

}  // namespace mapfault
