// Replay strategy.
#include "harness/strategies/replay_strategy.h"

#include "absl/strings/str_cat.h"

namespace mapfault {
namespace {

std::string MaskToString(ThreadMask mask) {
  std::string out;
  for (ThreadMask m = mask; m != 0; m &= m - 1) {
    absl::StrAppend(&out, out.empty() ? "" : ",", "T", __builtin_ctzll(m));
  }
  return out;
}

}  // namespace

int ReplayStrategy::Choose(ThreadMask runnable, int current, uint64_t step) {
  if (lenient_) {
    const int want = next_ < choices_.size() ? choices_[next_] : kStay;
    ++next_;
    if (want < 64 && ((runnable >> want) & 1u)) return want;
    if (current >= 0 && current < 64 && ((runnable >> current) & 1u)) return current;
    return __builtin_ctzll(runnable);
  }
  if (next_ >= choices_.size()) {
    error_ = absl::StrCat("replay diverged at step ", step, ": the recording has only ",
                          choices_.size(), " choices but threads {", MaskToString(runnable),
                          "} still want to run");
    return -1;
  }
  const int want = choices_[next_++];
  if (want >= 64 || ((runnable >> want) & 1u) == 0) {
    error_ = absl::StrCat("replay diverged at step ", step, " (choice ", next_, "): expected T", want,
                          " but only {", MaskToString(runnable), "} were runnable");
    return -1;
  }
  return want;
}

int ReplayStrategy::ChooseStore(int readable, uint64_t step) {
  if (lenient_) {
    const int want = next_ < choices_.size() ? choices_[next_] : 0;
    ++next_;
    return want < readable ? want : 0;
  }
  if (next_ >= choices_.size()) {
    error_ = absl::StrCat("replay diverged at step ", step, ": the recording has only ",
                          choices_.size(), " choices but a load may read ", readable, " stores");
    return -1;
  }
  const int want = choices_[next_++];
  if (want >= readable) {
    error_ = absl::StrCat("replay diverged at step ", step, " (choice ", next_,
                          "): expected the load to read store ", want, " back, but only ",
                          readable, " could be read");
    return -1;
  }
  return want;
}

}  // namespace mapfault
