// The exhaustive strategy: iterative context bounding (Musuvathi & Qadeer, PLDI 2007). For one
// program it enumerates every schedule with at most K preemptions, by stateless re-execution: each
// execution replays a prefix of recorded choices and then extends it without preempting; after it,
// Advance() backtracks (depth first) to the deepest choice point with an untried alternative that
// keeps the preemption count within the round's bound. Rounds go bound 0, 1, ... K, so the first
// failing schedule has the fewest preemptions. A round re-executes the schedules of the rounds
// before it (they are how the round rediscovers the tree) but counts as new only its own, those
// with exactly `round` preemptions; the rounds before it already judged the others.
//
// A preemption is a switch away from a thread that is still runnable at a scheduling point; picking
// another thread because the current one blocked or finished (and the first pick of a trial) is
// not one. The scheduler counts preemptions the same way (RunResult::preemptions).
//
// Later, a sleep-set reduction keeps per choice point the threads whose next step is independent
// of what ran since (the step's touched object: a sync object, atomic or Var cell; a bare Yield
// touches everything) and skips them as alternatives (docs/exhaustive.md).
#ifndef MAPFAULT_HARNESS_STRATEGIES_EXHAUSTIVE_STRATEGY_H_
#define MAPFAULT_HARNESS_STRATEGIES_EXHAUSTIVE_STRATEGY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "harness/base/limits.h"
#include "harness/engine/strategy.h"
#include "harness/strategies/strategy_spec.h"

namespace mapfault {

class ExhaustiveStrategy final : public Strategy {
 public:
  explicit ExhaustiveStrategy(int max_bound) : max_bound_(max_bound) {}

  void Begin(int threads, uint64_t expected_steps) override;
  int Choose(ThreadMask runnable, int current, uint64_t step) override;
  std::string Error() const override { return error_; }

  // After an execution: prepares the next one. Returns false when every schedule with at most
  // max_bound preemptions was executed (or the execution diverged from its prefix).
  bool Advance();
  // The bound of the current round (0 .. max_bound).
  int round() const { return round_; }
  // The preemptions of the execution that just ran.
  int preemptions() const { return preemptions_; }
  // Whether the execution that just ran is a schedule this round counts (exactly round()
  // preemptions); the others re-ran schedules of earlier rounds.
  bool IsNewSchedule() const { return preemptions_ == round_; }
  // Whether the last execution diverged from its recorded prefix (a nondeterministic backend).
  bool diverged() const { return !error_.empty(); }

 private:
  // A scheduling point with more than one runnable thread, on the current path.
  struct ChoicePoint {
    ThreadMask runnable = 0;
    int current = 0;          // the thread that reached the point (blocked, finished, or none)
    int chosen = 0;
    ThreadMask tried = 0;     // alternatives explored in this round, `chosen` included
    int preemptions_before = 0;
  };
  // Whether picking `thread` at `point` preempts its current thread.
  static bool Preempts(const ChoicePoint& point, int thread);

  const int max_bound_;
  int round_ = 0;
  std::vector<ChoicePoint> path_;
  size_t next_ = 0;      // the next choice point of this execution
  int preemptions_ = 0;  // of this execution so far
  std::string error_;
};

// The exhaustive row's hooks (strategy_table.h): "exhaustive:pb=K" (K in 0..kMaxPreemptionBound,
// optionally ",max=N": at most N schedules per program), and the controlled strategy of one
// execution outside a search: the schedule without preemptions (the search's first).
absl::Status ParseExhaustiveParams(std::string_view text, std::string_view params,
                                   StrategySpec& spec);
std::string FormatExhaustiveParams(const StrategySpec& spec);
std::unique_ptr<Strategy> MakeExhaustiveStrategy(const StrategySpec& spec, uint64_t seed);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_EXHAUSTIVE_STRATEGY_H_
