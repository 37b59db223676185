// The sweep of presence_sweep.h. With no operation ignored, HistoryIndex's two judgements of a key
// for a window [from, to] reduce to comparisons of four step functions, each the running maximum
// of a value over the key's events ordered by one of their ends:
//   certain:  A(from) > L(to), where
//     A(from) = the latest begin of a presence source that completed before `from` (the initial
//               state counts as begin 0), and
//     L(to)   = the latest effective end of a removal (possible ones included) invoked before `to`;
//     i.e. some completed source began after every removal that may overlap the window ended (the
//     initial state only when there is no such removal: 0 > L fails for any removal).
//   possible: B(to) >= M(from), where
//     B(to)   = the latest effective end of a presence source invoked before `to` (the initial
//               state ends at 0, one that never returned never), and
//     M(from) = the latest begin of a certain removal that completed before `from` (0 if none);
//     i.e. some source outlived every removal that certainly took effect before the window.
// Values are stored plus one with 0 for "no such event" (kNever stays kNever), so "none" loses
// every comparison it must lose. The brute-force checker tests and presence_sweep_test.cc check the
// equivalence against the index's own judgements.
#include "harness/checkers/presence_sweep.h"

#include <algorithm>
#include <numeric>

namespace mapfault {

namespace {

uint64_t PlusOne(uint64_t v) { return v == kNever ? kNever : v + 1; }

}  // namespace

void PresenceSweep::SortByKey(Points& points) {
  if (points.size() > 16) {
    std::sort(points.begin(), points.end());
    return;
  }
  for (size_t i = 1; i < points.size(); ++i) {  // insertion sort: most keys have a few events
    for (size_t j = i; j > 0 && points[j] < points[j - 1]; --j) std::swap(points[j], points[j - 1]);
  }
}

void PresenceSweep::Reset(std::span<const PresenceWindow> windows) {
  windows_ = windows;
  by_from_.resize(windows.size());
  std::iota(by_from_.begin(), by_from_.end(), 0u);
  by_to_ = by_from_;
  std::sort(by_from_.begin(), by_from_.end(),
            [&](uint32_t a, uint32_t b) { return windows[a].from < windows[b].from; });
  std::sort(by_to_.begin(), by_to_.end(),
            [&](uint32_t a, uint32_t b) { return windows[a].to < windows[b].to; });
  certain_.resize(windows.size());
  possible_.resize(windows.size());
}

void PresenceSweep::Judge(const HistoryIndex& index, Key k, KeyEvents events) {
  // A lookup scans a key's few events or asks its judge (two binary searches and a tree walk); the
  // sweep sorts the key's events by their ends (see SweepPays).
  if (SweepPays(events.size())) {
    Sweep(events);
    return;
  }
  for (size_t w = 0; w < windows_.size(); ++w) {
    const PresenceWindow& window = windows_[w];
    certain_[w] = index.DefinitelyPresentThroughout(k, window.from, window.to, nullptr, nullptr);
    possible_[w] = index.PossiblyPresent(k, window.from, window.to, nullptr, nullptr);
  }
}

void PresenceSweep::Sweep(KeyEvents events) {
  completed_sources_.clear();   // (end, begin + 1)
  completed_removals_.clear();  // (end, begin): certain removals that completed
  removals_.clear();            // (begin, effective end + 1), ascending begin
  sources_.clear();             // (begin, effective end + 1), ascending begin
  bool initial = false;
  for (const KeyEvent& e : events) {  // in ascending begin
    if (e.kind == KeyEvent::Kind::kInitial) {
      initial = true;
    } else if (IsPresenceSource(e.kind)) {
      sources_.push_back({e.begin, PlusOne(EffectiveEnd(e))});
      if (e.end != 0) completed_sources_.push_back({e.end, e.begin + 1});
    } else if (e.MayRemove()) {
      removals_.push_back({e.begin, PlusOne(EffectiveEnd(e))});
      if (e.kind == KeyEvent::Kind::kRemove && e.end != 0) {
        completed_removals_.push_back({e.end, e.begin});
      }
    }
  }
  SortByKey(completed_sources_);
  SortByKey(completed_removals_);
  // By ascending `from`: A and M of each window.
  a_m_.resize(windows_.size());
  uint64_t a = initial ? 1 : 0, m = 0;
  size_t s = 0, r = 0;
  for (const uint32_t w : by_from_) {
    const uint64_t from = windows_[w].from;
    for (; s < completed_sources_.size() && completed_sources_[s].first < from; ++s) {
      a = std::max(a, completed_sources_[s].second);
    }
    for (; r < completed_removals_.size() && completed_removals_[r].first < from; ++r) {
      m = std::max(m, completed_removals_[r].second);
    }
    a_m_[w] = {a, m};
  }
  // By ascending `to`: L and B, and the answers.
  uint64_t l = 0, b = initial ? 1 : 0;
  s = r = 0;
  for (const uint32_t w : by_to_) {
    const uint64_t to = windows_[w].to;
    for (; r < removals_.size() && removals_[r].first < to; ++r) {
      l = std::max(l, removals_[r].second);
    }
    for (; s < sources_.size() && sources_[s].first < to; ++s) b = std::max(b, sources_[s].second);
    certain_[w] = a_m_[w].first > l;
    possible_[w] = b > a_m_[w].second;
  }
}

}  // namespace mapfault
