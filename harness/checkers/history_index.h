// A per-key index of a history, shared by the checkers: for every key, the operations that wrote it,
// removed it, or witnessed it present or absent, each with its interval on the logical clock.
// Judgements built on it are conservative: two intervals that overlap may have taken effect in either
// order, and only what is definite counts against a backend. The presence judgements scan a key with
// few events (most keys of a trial); a key with more answers in O(log E) per query for its E events,
// from per-key prefix maxima and a min-tree built once, on its first query (O(E log E) time, about
// 100 bytes per event).
#ifndef MAPFAULT_HARNESS_CHECKERS_HISTORY_INDEX_H_
#define MAPFAULT_HARNESS_CHECKERS_HISTORY_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "harness/base/history.h"

namespace mapfault {

// Something that happened to one key during [begin, end]. end == 0: it never returned (it may take
// effect at any time after begin).
struct KeyEvent {
  enum class Kind : uint8_t {
    kInitial,    // present in the initial state (begin = end = 0)
    kWrite,      // insert that returned true, or assign: the key holds `value` afterwards
    kInsertNoop, // insert that returned false: the key was present at its instant
    kFound,      // find that returned `value`
    kRemove,     // erase that returned true, clear, or an iteration's erase-this that erased
    kMaybeRemove,  // an erase-this whose outcome is unknown: it may or may not have removed
    kAbsent,     // erase that returned false, or find that returned absent
  };
  Kind kind;
  uint64_t begin;
  uint64_t end;
  Value value = 0;
  const OpRecord* op = nullptr;         // nullptr for kInitial
  const YieldRecord* yield = nullptr;   // set for an erase-this

  bool MayRemove() const { return kind == Kind::kRemove || kind == Kind::kMaybeRemove; }

  bool DefinitelyBefore(uint64_t t) const { return kind == Kind::kInitial || (end != 0 && end < t); }
  bool DefinitelyAfter(uint64_t t) const { return begin > t; }
  // "T1 erase(3) -> true [t=4..9]", "the initial state", "T0 for_each()'s erase-this at t=7".
  std::string Describe() const;
};

// The end of an event that never returned: after everything.
inline constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// An event that makes the key present: the initial state, a write, an insert that found the key,
// a find that found it.
inline bool IsPresenceSource(KeyEvent::Kind kind) {
  return kind == KeyEvent::Kind::kInitial || kind == KeyEvent::Kind::kWrite ||
         kind == KeyEvent::Kind::kInsertNoop || kind == KeyEvent::Kind::kFound;
}

// An event's end for ordering purposes: one that never returned ends after everything.
inline uint64_t EffectiveEnd(const KeyEvent& e) { return e.end == 0 ? kNever : e.end; }
// A stamp plus one, kNever staying kNever: the presence sweeps store values plus one, with 0 for
// "no such event" (presence_sweep.cc, yield_presence.cc).
inline uint64_t StampPlusOne(uint64_t v) { return v == kNever ? kNever : v + 1; }

// One key's events, in ascending begin time (a view into the index).
using KeyEvents = std::span<const KeyEvent>;

// Whether no operation touched the key: its only events are its initial state (most keys of a
// trial with many initial entries; checkers skip or shortcut them).
inline bool OnlyInitial(KeyEvents events) {
  for (const KeyEvent& e : events) {
    if (e.kind != KeyEvent::Kind::kInitial) return false;
  }
  return true;
}

// "T1 erase(3)" / "post size()".
std::string Who(const OpRecord& op);

class HistoryIndex {
 public:
  // Keys with at most `scan_limit` events are judged by scanning them; keys with more by a KeyJudge
  // (prefix maxima and a min-tree, O(log E) per judgement) built on the key's first judgement.
  static constexpr size_t kDefaultScanLimit = 8;
  explicit HistoryIndex(const History& history, size_t scan_limit = kDefaultScanLimit);
  ~HistoryIndex();
  HistoryIndex(const HistoryIndex&) = delete;
  HistoryIndex& operator=(const HistoryIndex&) = delete;

  const History& history() const { return history_; }
  // Every operation: parallel (thread by thread) then post.
  const std::vector<const OpRecord*>& ops() const { return ops_; }
  const std::vector<const OpRecord*>& iterations() const { return iterations_; }
  const std::vector<const OpRecord*>& sizes() const { return sizes_; }
  // Keys in ascending order with their events in ascending begin time.
  const std::vector<std::pair<Key, KeyEvents>>& keys() const { return keys_; }
  // Key k's events; nullptr when no event names k.
  const KeyEvents* Events(Key k) const {
    const int i = KeyOrdinal(k);
    return i < 0 ? nullptr : &keys_[static_cast<size_t>(i)].second;
  }
  // Key k's position in keys() (a dense number for per-key scratch arrays), or -1 when no event
  // names k. O(1) when the keys are dense integers (a trial's usually are), else O(log K).
  int KeyOrdinal(Key k) const {
    if (!dense_.empty()) {
      const uint64_t d = static_cast<uint64_t>(k) - static_cast<uint64_t>(dense_base_);
      return d < dense_.size() ? dense_[d] : -1;
    }
    return SparseOrdinal(k);
  }

  // Could key k have been present at some instant of [from, to]? When not, `why` says what rules it
  // out. A presence source (the initial state, a write, an insert that found the key, a find that
  // found it) invoked before `to` keeps the key possibly present unless a removal (erase -> true,
  // clear, erase-this) definitely took effect after it and before `from`. Only removals count, not
  // absence witnesses such as find -> absent: a wrong find must not turn into blame for someone
  // else. `ignore` (an op) is left out as evidence (an iteration judging itself).
  bool PossiblyPresent(Key k, uint64_t from, uint64_t to, const OpRecord* ignore,
                       std::string* why) const;
  // Was key k certainly present during all of [from, to]? (Present before `from` by an event that
  // completed before it, and no removal of k that could overlap the span.) Sets `since` to the event
  // that made it present.
  bool DefinitelyPresentThroughout(Key k, uint64_t from, uint64_t to, const OpRecord* ignore,
                                   const KeyEvent** since) const;
  // Both judgements above for key k (`events`, its events) and [from, to] with no operation
  // ignored: certain = DefinitelyPresentThroughout, possible = PossiblyPresent (a scanned key's
  // events are scanned once for both).
  void Presence(Key k, KeyEvents events, uint64_t from, uint64_t to, bool& certain,
                bool& possible) const;
  // PossiblyPresent(y.key, ReadFrom(*f, y), ReadTo(y), f, nullptr) for every yield y of every
  // iteration f, one entry per yield in iterations() order (no-phantom and value-valid both ask
  // it of every yield): judged for all yields at once on the first call (yield_presence.h).
  std::span<const uint8_t> YieldsPossiblyPresent() const;
  // Per key ordinal: 1 when linearizable's search found an order of the key's operations that ends
  // the parallel part in its contents after the join, which proves quiescent-state for the key as
  // well (linearizable.cc); 0 or absent: not shown. Filled by Linearizable, read by QuiescentState
  // (a checker run alone finds it empty and searches itself).
  std::vector<uint8_t>& ReachesFinalContents() const { return reaches_final_contents_; }

 private:
  const History& history_;
  const size_t scan_limit_;
  std::vector<const OpRecord*> ops_;
  std::vector<const OpRecord*> iterations_;
  std::vector<const OpRecord*> sizes_;
  // Every key's events in one array, key by key (one allocation, not one per key: most trials
  // are small and the index is built for every trial), and the keys in ascending order with their
  // slice of it (binary-searched by Events()).
  std::vector<KeyEvent> events_;
  std::vector<std::pair<Key, KeyEvents>> keys_;
  // KeyOrdinal's table when the keys span a small range: dense_[k - dense_base_] (-1: no events).
  Key dense_base_ = 0;
  std::vector<int32_t> dense_;
  int SparseOrdinal(Key k) const;
  // The per-key structures behind the presence judgements, built on the first of them.
  struct KeyJudge;
  struct Judges;
  // The judge of the key at `ordinal` (KeyOrdinal), built on its first judgement.
  const KeyJudge& JudgeFor(int ordinal) const;
  // Built on the first judgement (a linearizable-only check never pays for it). Not thread-safe: a
  // history is checked on one thread (std::call_once cost a futex wake per history here).
  mutable std::unique_ptr<Judges> judges_;
  mutable std::vector<uint8_t> yield_presence_;  // YieldsPossiblyPresent, once judged
  mutable bool yields_judged_ = false;
  mutable std::vector<uint8_t> reaches_final_contents_;  // ReachesFinalContents
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CHECKERS_HISTORY_INDEX_H_
