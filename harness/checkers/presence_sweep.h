// Bulk presence judgements for the checkers that ask them of every key in every window
// (iter.no-missed-stable: every iteration x every key it did not yield; size-bounds: every size()
// x every key). For a set of windows [from, to], a sweep over one key's events answers, for every
// window at once, the two questions of HistoryIndex with no operation ignored:
//   certain[i]:  DefinitelyPresentThroughout(k, from_i, to_i, nullptr)
//   possible[i]: PossiblyPresent(k, from_i, to_i, nullptr)
// Each is a comparison of two monotone step functions of the window's ends (see presence_sweep.cc),
// evaluated by walking the key's events and the windows sorted by `from` and by `to`: per key
// O(E log E + W) for its E events and W windows, instead of W index lookups of O(log E) each with
// a per-key judge to build. The checkers use it as a filter: when the sweep finds nothing, the
// history is clean; otherwise they run their exact per-key judgement to name the violation, so a
// finding's text does not depend on the sweep.
#ifndef MAPFAULT_HARNESS_CHECKERS_PRESENCE_SWEEP_H_
#define MAPFAULT_HARNESS_CHECKERS_PRESENCE_SWEEP_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "harness/checkers/history_index.h"

namespace mapfault {

struct PresenceWindow {
  uint64_t from = 0;
  uint64_t to = 0;
};

class PresenceSweep {
 public:
  // Starts a sweep over `windows` (sorted once here; kept by reference until the next Reset).
  void Reset(std::span<const PresenceWindow> windows);
  // Judges key k of `index` (its events): afterwards certain()[i] and possible()[i] answer window
  // i of Reset's span. A key with many events and few windows is cheaper to ask the index about
  // window by window (its per-key judge is built once and shared with no-phantom and
  // value-valid); any other by the sweep.
  void Judge(const HistoryIndex& index, Key k, KeyEvents events);
  // Whether sweeping a key of `events` events beats asking the index about every window: with
  // many windows and at most four events per window (callgrind on the benchmarks' trials: a
  // default 2x8 trial's few windows are cheaper to scan, a 2x256 trial's dozens to sweep).
  bool SweepPays(size_t events) const {
    return windows_.size() >= kMinWindows && windows_.size() * 4 >= events;
  }
  static constexpr size_t kMinWindows = 8;
  // The sweep alone (tests compare it with the index).
  void Sweep(KeyEvents events);
  std::span<const uint8_t> certain() const { return certain_; }
  std::span<const uint8_t> possible() const { return possible_; }

 private:
  // (sort key, value) pairs; the running maximum of the values over a prefix of the sort keys.
  using Points = std::vector<std::pair<uint64_t, uint64_t>>;
  static void SortByKey(Points& points);

  std::span<const PresenceWindow> windows_;
  std::vector<uint32_t> by_from_, by_to_;  // window indices in ascending from / to
  std::vector<uint8_t> certain_, possible_;
  std::vector<std::pair<uint64_t, uint64_t>> a_m_;  // per window: A(from) and M(from)
  Points completed_sources_, completed_removals_, removals_, sources_;  // per-key scratch
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CHECKERS_PRESENCE_SWEEP_H_
