// The bulk yield presence judgement of yield_presence.h. Values are stored plus one with 0 for "no
// such event" (kNever stays kNever), as in presence_sweep.cc, so that B(to) >= M(from) becomes
// B' > M with B' = 0 when no source was invoked before `to`.
#include "harness/checkers/yield_presence.h"

#include <algorithm>
#include <utility>

namespace mapfault {
namespace {

// B' > M by one pass over a key's events (a key with a few: most keys of a small trial).
bool ScanPossiblyPresent(KeyEvents events, uint64_t from, uint64_t to) {
  uint64_t b = 0, m = 0;
  for (const KeyEvent& e : events) {
    if (e.kind == KeyEvent::Kind::kInitial) {
      b = std::max<uint64_t>(b, 1);
    } else if (IsPresenceSource(e.kind)) {
      if (e.begin < to) b = std::max(b, StampPlusOne(EffectiveEnd(e)));
    } else if (e.kind == KeyEvent::Kind::kRemove && e.end != 0 && e.end < from) {
      m = std::max(m, e.begin);
    }
  }
  return b > m;
}

// The step functions of the keys with many events, laid out on their first yield in flat arrays
// (kept per thread: a thread checks one history after another).
class StepFunctions {
 public:
  static constexpr size_t kScanLimit = 8;  // keys with at most this many events are scanned

  void Reset(size_t keys) {
    at_.assign(keys, kUnbuilt);
    spans_.clear();
    sources_.clear();
    removals_.clear();
  }
  // B' > M for key `ordinal` (its `events`) and the window [from, to], no operation ignored.
  bool PossiblyPresent(size_t ordinal, KeyEvents events, uint64_t from, uint64_t to);

 private:
  static constexpr uint32_t kUnbuilt = ~uint32_t{0};
  struct Span {
    uint32_t sources, source_count, removals, removal_count;
    bool initial;
  };
  void Build(size_t ordinal, KeyEvents events);

  std::vector<uint32_t> at_;  // per key ordinal: its Span in spans_, or kUnbuilt
  std::vector<Span> spans_;
  // (begin, the largest effective end + 1 of the key's sources up to this one), ascending begin.
  std::vector<std::pair<uint64_t, uint64_t>> sources_;
  // (end, the largest begin of the key's certain completed removals up to this one), ascending end.
  std::vector<std::pair<uint64_t, uint64_t>> removals_;
};

void StepFunctions::Build(size_t ordinal, KeyEvents events) {
  Span span{static_cast<uint32_t>(sources_.size()), 0, static_cast<uint32_t>(removals_.size()), 0,
            false};
  uint64_t latest_end = 0;
  for (const KeyEvent& e : events) {  // ascending begin
    if (e.kind == KeyEvent::Kind::kInitial) {
      span.initial = true;
    } else if (IsPresenceSource(e.kind)) {
      latest_end = std::max(latest_end, StampPlusOne(EffectiveEnd(e)));
      sources_.push_back({e.begin, latest_end});
    } else if (e.kind == KeyEvent::Kind::kRemove && e.end != 0) {
      removals_.push_back({e.end, e.begin});
    }
  }
  span.source_count = static_cast<uint32_t>(sources_.size()) - span.sources;
  span.removal_count = static_cast<uint32_t>(removals_.size()) - span.removals;
  const auto first = removals_.begin() + span.removals;
  std::sort(first, removals_.end());
  for (auto it = first; it != removals_.end(); ++it) {
    if (it != first) it->second = std::max(it->second, (it - 1)->second);
  }
  at_[ordinal] = static_cast<uint32_t>(spans_.size());
  spans_.push_back(span);
}

bool StepFunctions::PossiblyPresent(size_t ordinal, KeyEvents events, uint64_t from, uint64_t to) {
  if (events.size() <= kScanLimit) return ScanPossiblyPresent(events, from, to);
  if (at_[ordinal] == kUnbuilt) Build(ordinal, events);
  const Span& span = spans_[at_[ordinal]];
  const auto s0 = sources_.begin() + span.sources, s1 = s0 + span.source_count;
  const auto s = std::partition_point(s0, s1, [to](const auto& p) { return p.first < to; });
  const uint64_t b = std::max<uint64_t>(span.initial, s == s0 ? 0 : (s - 1)->second);
  const auto r0 = removals_.begin() + span.removals, r1 = r0 + span.removal_count;
  const auto r = std::partition_point(r0, r1, [from](const auto& p) { return p.first < from; });
  const uint64_t m = r == r0 ? 0 : (r - 1)->second;
  return b > m;
}

thread_local StepFunctions steps;

}  // namespace

void JudgeYieldPresence(const HistoryIndex& index, std::vector<uint8_t>& out) {
  out.clear();
  if (index.iterations().empty()) return;
  steps.Reset(index.keys().size());
  for (const OpRecord* f : index.iterations()) {
    for (const YieldRecord& y : f->yields) {
      const int ordinal = index.KeyOrdinal(y.key);
      if (ordinal < 0) {  // no event names the key: never present
        out.push_back(0);
        continue;
      }
      const uint64_t from = ReadFrom(*f, y), to = ReadTo(y);
      const KeyEvents events = index.keys()[static_cast<size_t>(ordinal)].second;
      const bool possible = steps.PossiblyPresent(static_cast<size_t>(ordinal), events, from, to) ||
                            index.PossiblyPresent(y.key, from, to, f, nullptr);
      out.push_back(possible);
    }
  }
}

}  // namespace mapfault
