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
// every comparison it must lose.
// The sweep answers them per presence source instead of per window. A(from) > L(to) holds iff some
// completed source s with end_s < from (value a_s = begin_s + 1; the initial state: 1, for every
// window) has L(to) < a_s, i.e. to <= U(a_s), the earliest begin of a removal whose effective end
// + 1 is at least a_s (infinity if none). B(to) > M(from) holds iff some source p with
// begin_p < to (value b_p = its effective end + 1; the initial state: 1, for every window) has
// M(from) < b_p, i.e. from <= V(b_p), the earliest end of a certain completed removal that began
// at or after b_p (infinity if none). So each answer is a union over the key's sources of
// {from > x} & {to <= y} (certain) or {to > x} & {from <= y} (possible): a prefix of the windows
// sorted by one end and the complement of a prefix by the other. The brute-force checker tests
// and presence_sweep_test.cc check the equivalence against the index's own judgements.
#include "harness/checkers/presence_sweep.h"

#include <algorithm>
#include <numeric>

namespace mapfault {

namespace {

// The windows' `end` values ascending in `sorted`, and in `prefix` (windows.size() + 1) rows of
// `words` words: row r the bitset of the first r windows in that order.
void SortedPrefixes(std::span<const PresenceWindow> windows, uint64_t PresenceWindow::*end,
                    size_t words, std::vector<uint32_t>& order, std::vector<uint64_t>& sorted,
                    std::vector<uint64_t>& prefix) {
  const size_t n = windows.size();
  order.resize(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return windows[a].*end < windows[b].*end; });
  sorted.resize(n);
  prefix.assign((n + 1) * words, 0);
  for (size_t r = 0; r < n; ++r) {
    sorted[r] = windows[order[r]].*end;
    std::copy_n(prefix.begin() + static_cast<ptrdiff_t>(r * words), words,
                prefix.begin() + static_cast<ptrdiff_t>((r + 1) * words));
    prefix[(r + 1) * words + order[r] / 64] |= uint64_t{1} << (order[r] % 64);
  }
}

}  // namespace

void PresenceSweep::Reset(std::span<const PresenceWindow> windows) {
  windows_ = windows;
  words_ = (windows.size() + 63) / 64;
  prefixes_built_ = false;  // built by the first Sweep: with few windows no key is swept
  certain_.assign(words_, 0);
  possible_.assign(words_, 0);
}

void PresenceSweep::BuildPrefixes() {
  SortedPrefixes(windows_, &PresenceWindow::from, words_, order_, from_sorted_, from_prefix_);
  SortedPrefixes(windows_, &PresenceWindow::to, words_, order_, to_sorted_, to_prefix_);
  prefixes_built_ = true;
}

const uint64_t* PresenceSweep::FromAtMost(uint64_t x) const {
  const size_t r = static_cast<size_t>(
      std::upper_bound(from_sorted_.begin(), from_sorted_.end(), x) - from_sorted_.begin());
  return from_prefix_.data() + r * words_;
}

const uint64_t* PresenceSweep::ToAtMost(uint64_t x) const {
  const size_t r = static_cast<size_t>(std::upper_bound(to_sorted_.begin(), to_sorted_.end(), x) -
                                       to_sorted_.begin());
  return to_prefix_.data() + r * words_;
}

void PresenceSweep::Add(std::vector<uint64_t>& out, const uint64_t* excluded,
                        const uint64_t* included) const {
  for (size_t i = 0; i < words_; ++i) out[i] |= ~excluded[i] & included[i];
}

void PresenceSweep::Judge(const HistoryIndex& index, Key k, KeyEvents events) {
  // A lookup scans a key's few events or asks its judge (two binary searches and a tree walk); the
  // sweep sorts the key's removals (see SweepPays).
  if (SweepPays(events.size())) {
    Sweep(events);
    return;
  }
  if (words_ == 1) {  // the common case: a std::fill was a memset call per key
    certain_[0] = possible_[0] = 0;
  } else {
    std::fill(certain_.begin(), certain_.end(), 0);
    std::fill(possible_.begin(), possible_.end(), 0);
  }
  for (size_t w = 0; w < windows_.size(); ++w) {
    const PresenceWindow& window = windows_[w];
    const uint64_t bit = uint64_t{1} << (w % 64);
    bool certain = false, possible = false;
    index.Presence(k, events, window.from, window.to, certain, possible);
    if (certain) certain_[w / 64] |= bit;
    if (possible) possible_[w / 64] |= bit;
  }
}

void PresenceSweep::Sweep(KeyEvents events, bool possible) {
  if (!prefixes_built_) BuildPrefixes();
  std::fill(certain_.begin(), certain_.end(), 0);
  std::fill(possible_.begin(), possible_.end(), 0);
  // In ascending begin: every removal's (begin, the largest effective end + 1 up to it), and the
  // certain completed removals' (begin, end), the ends then made suffix minima.
  removals_.clear();
  certain_removals_.clear();
  for (const KeyEvent& e : events) {
    if (!e.MayRemove()) continue;
    const uint64_t end = StampPlusOne(EffectiveEnd(e));
    removals_.push_back(
        {e.begin, removals_.empty() ? end : std::max(end, removals_.back().second)});
    if (e.kind == KeyEvent::Kind::kRemove && e.end != 0)
      certain_removals_.push_back({e.begin, e.end});
  }
  for (size_t i = certain_removals_.size(); i-- > 1;) {
    certain_removals_[i - 1].second =
        std::min(certain_removals_[i - 1].second, certain_removals_[i].second);
  }
  const auto u = [this](uint64_t a) {  // U(a)
    const auto it = std::partition_point(removals_.begin(), removals_.end(),
                                         [a](const auto& r) { return r.second < a; });
    return it == removals_.end() ? kNever : it->first;
  };
  const auto v = [this](uint64_t b) {  // V(b)
    const auto it = std::partition_point(certain_removals_.begin(), certain_removals_.end(),
                                         [b](const auto& r) { return r.first < b; });
    return it == certain_removals_.end() ? kNever : it->second;
  };
  const uint64_t* none = from_prefix_.data();  // row 0 of either: no window
  for (const KeyEvent& e : events) {
    if (e.kind == KeyEvent::Kind::kInitial) {
      Add(certain_, none, ToAtMost(u(1)));
      if (possible) Add(possible_, none, FromAtMost(v(1)));
    } else if (IsPresenceSource(e.kind)) {
      if (e.end != 0) Add(certain_, FromAtMost(e.end), ToAtMost(u(e.begin + 1)));
      if (possible) Add(possible_, ToAtMost(e.begin), FromAtMost(v(StampPlusOne(EffectiveEnd(e)))));
    }
  }
}

}  // namespace mapfault
