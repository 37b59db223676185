// The bulk yield presence judgement of yield_presence.h. Values are stored plus one with 0 for "no
// such event" (kNever stays kNever), as in presence_sweep.cc, so that B(to) >= M(from) becomes
// B' > M with B' = 0 when no source was invoked before `to`.
#include "harness/checkers/yield_presence.h"

#include <algorithm>
#include <utility>

namespace mapfault {
namespace {

uint64_t PlusOne(uint64_t v) { return v == kNever ? kNever : v + 1; }

// Every key's step functions, key by key in flat arrays (kept per thread: a thread checks one
// history after another).
struct StepFunctions {
  // Per key ordinal: where its sources and removals start (entry K: the ends).
  std::vector<uint32_t> source_start, removal_start;
  std::vector<uint8_t> initial;  // per key ordinal: present in the initial state
  // (begin, the largest effective end + 1 of the key's sources up to this one), ascending begin.
  std::vector<std::pair<uint64_t, uint64_t>> sources;
  // (end, the largest begin of the key's certain completed removals up to this one), ascending end.
  std::vector<std::pair<uint64_t, uint64_t>> removals;

  void Build(const HistoryIndex& index);
  // B' > M for key `ordinal` and the window [from, to], no operation ignored.
  bool PossiblyPresent(size_t ordinal, uint64_t from, uint64_t to) const;
};

void StepFunctions::Build(const HistoryIndex& index) {
  const size_t keys = index.keys().size();
  source_start.resize(keys + 1);
  removal_start.resize(keys + 1);
  initial.assign(keys, 0);
  sources.clear();
  removals.clear();
  for (size_t o = 0; o < keys; ++o) {
    source_start[o] = static_cast<uint32_t>(sources.size());
    removal_start[o] = static_cast<uint32_t>(removals.size());
    uint64_t latest_end = 0;
    for (const KeyEvent& e : index.keys()[o].second) {  // ascending begin
      if (e.kind == KeyEvent::Kind::kInitial) {
        initial[o] = 1;
      } else if (IsPresenceSource(e.kind)) {
        latest_end = std::max(latest_end, PlusOne(EffectiveEnd(e)));
        sources.push_back({e.begin, latest_end});
      } else if (e.kind == KeyEvent::Kind::kRemove && e.end != 0) {
        removals.push_back({e.end, e.begin});
      }
    }
    const auto first = removals.begin() + removal_start[o];
    if (removals.end() - first > 16) {
      std::sort(first, removals.end());
    } else {
      for (auto it = first; it != removals.end(); ++it) {  // insertion sort: a key has a few
        for (auto j = it; j != first && *j < *(j - 1); --j) std::iter_swap(j, j - 1);
      }
    }
    for (auto it = first; it != removals.end(); ++it) {
      if (it != first) it->second = std::max(it->second, (it - 1)->second);
    }
  }
  source_start[keys] = static_cast<uint32_t>(sources.size());
  removal_start[keys] = static_cast<uint32_t>(removals.size());
}

bool StepFunctions::PossiblyPresent(size_t ordinal, uint64_t from, uint64_t to) const {
  const auto s0 = sources.begin() + source_start[ordinal];
  const auto s1 = sources.begin() + source_start[ordinal + 1];
  const auto s = std::partition_point(s0, s1, [to](const auto& p) { return p.first < to; });
  const uint64_t b = std::max<uint64_t>(initial[ordinal], s == s0 ? 0 : (s - 1)->second);
  const auto r0 = removals.begin() + removal_start[ordinal];
  const auto r1 = removals.begin() + removal_start[ordinal + 1];
  const auto r = std::partition_point(r0, r1, [from](const auto& p) { return p.first < from; });
  const uint64_t m = r == r0 ? 0 : (r - 1)->second;
  return b > m;
}

thread_local StepFunctions steps;

}  // namespace

void JudgeYieldPresence(const HistoryIndex& index, std::vector<uint8_t>& out) {
  out.clear();
  if (index.iterations().empty()) return;
  steps.Build(index);
  for (const OpRecord* f : index.iterations()) {
    for (const YieldRecord& y : f->yields) {
      const int ordinal = index.KeyOrdinal(y.key);
      const uint64_t from = ReadFrom(*f, y), to = ReadTo(y);
      const bool possible =
          ordinal >= 0 && (steps.PossiblyPresent(static_cast<size_t>(ordinal), from, to) ||
                           index.PossiblyPresent(y.key, from, to, f, nullptr));
      out.push_back(possible);
    }
  }
}

}  // namespace mapfault
