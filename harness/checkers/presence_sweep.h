// Bulk presence judgements for the checkers that ask them of every key in every window
// (iter.no-missed-stable: every iteration x every key it did not yield; size-bounds: every size()
// x every key). For a set of windows [from, to], a sweep over one key's events answers, for every
// window at once, the two questions of HistoryIndex with no operation ignored:
//   certain[i]:  DefinitelyPresentThroughout(k, from_i, to_i, nullptr)
//   possible[i]: PossiblyPresent(k, from_i, to_i, nullptr)
// Each is a comparison of two monotone step functions of the window's ends (see presence_sweep.cc),
// answered per presence source of the key as a set of windows: those whose `from` and `to` lie on
// the right sides of two thresholds, an AND of two prefix bitsets of the windows sorted by `from`
// and by `to` (built once in Reset). Per key O(E log W + E * W / 64) for its E events and W
// windows, instead of W index lookups of O(log E) each with a per-key judge to build, or a walk of
// all W windows per key. The checkers use it as a filter: when the sweep finds nothing, the
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
  // Starts a sweep over `windows` (kept by reference until the next Reset; sorted on the first
  // Sweep, so that a set of fewer than kMinWindows windows, whose keys are all judged by the
  // index, costs nothing to set up).
  void Reset(std::span<const PresenceWindow> windows);
  // Judges key k of `index` (its events): afterwards certain(i) and possible(i) answer window i of
  // Reset's span. A key with many events and few windows is cheaper to ask the index about window
  // by window; any other by the sweep.
  void Judge(const HistoryIndex& index, Key k, KeyEvents events);
  // Whether sweeping a key of `events` events beats asking the index about every window: with
  // many windows and at most four events per window (callgrind on the benchmarks' trials: a
  // default 2x8 trial's few windows are cheaper to scan, a 2x256 trial's dozens to sweep).
  bool SweepPays(size_t events) const {
    return windows_.size() >= kMinWindows && windows_.size() * 4 >= events;
  }
  static constexpr size_t kMinWindows = 8;
  // The sweep alone (tests compare it with the index). With `possible` false only certain() is
  // answered (possible() is then all false).
  void Sweep(KeyEvents events, bool possible = true);
  bool certain(size_t w) const { return certain_[w / 64] >> (w % 64) & 1; }
  bool possible(size_t w) const { return possible_[w / 64] >> (w % 64) & 1; }
  // The same as bitsets: bit w % 64 of word w / 64 (bits past the last window are 0).
  std::span<const uint64_t> certain_bits() const { return certain_; }
  std::span<const uint64_t> possible_bits() const { return possible_; }

 private:
  // The windows whose `from` (`to`) is at most x, as a bitset of words_ words: a row of
  // from_prefix_ (to_prefix_). A set "from > x" is its complement.
  const uint64_t* FromAtMost(uint64_t x) const;
  const uint64_t* ToAtMost(uint64_t x) const;
  // The sorted ends and prefix bitsets of the windows (Reset's windows, built once per Reset).
  void BuildPrefixes();
  // out |= ~excluded & included, word by word.
  void Add(std::vector<uint64_t>& out, const uint64_t* excluded, const uint64_t* included) const;

  std::span<const PresenceWindow> windows_;
  size_t words_ = 0;
  bool prefixes_built_ = false;
  std::vector<uint64_t> from_sorted_, to_sorted_;        // the windows' ends, ascending
  std::vector<uint64_t> from_prefix_, to_prefix_;        // (W + 1) rows of words_: first r windows
  std::vector<uint64_t> certain_, possible_;             // words_ each
  std::vector<uint32_t> order_;                          // Reset's scratch
  std::vector<std::pair<uint64_t, uint64_t>> removals_;  // per-key scratch, see Sweep
  std::vector<std::pair<uint64_t, uint64_t>> certain_removals_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CHECKERS_PRESENCE_SWEEP_H_
