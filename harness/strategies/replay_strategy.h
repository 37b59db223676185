// Replay strategy: re-issues a recorded list of choices. A replay that cannot follow the recording
// (the recorded thread is not runnable, or the recording ran out) stops loudly, naming what it
// expected and what was runnable. A *lenient* replay (used by the shrinker to drop preemptions)
// never stops: where the recording does not apply, or says kStay, it keeps running the current
// thread if it can, else the lowest runnable one.
#ifndef MAPFAULT_HARNESS_STRATEGIES_REPLAY_STRATEGY_H_
#define MAPFAULT_HARNESS_STRATEGIES_REPLAY_STRATEGY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "harness/engine/strategy.h"

namespace mapfault {

class ReplayStrategy final : public Strategy {
 public:
  static constexpr uint8_t kStay = 0xff;  // lenient replays: no preemption at this choice
  explicit ReplayStrategy(std::vector<uint8_t> choices, bool lenient = false)
      : choices_(std::move(choices)), lenient_(lenient) {}
  void Begin(int, uint64_t) override { next_ = 0; error_.clear(); }
  int Choose(ThreadMask runnable, int current, uint64_t step) override;
  // A recorded store choice; a lenient replay reads the latest where the recording does not fit.
  int ChooseStore(int readable, uint64_t step) override;
  std::string Error() const override { return error_; }

 private:
  std::vector<uint8_t> choices_;
  bool lenient_ = false;
  size_t next_ = 0;
  std::string error_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_REPLAY_STRATEGY_H_
