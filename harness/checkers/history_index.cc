// The per-key history index.
#include "harness/checkers/history_index.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "harness/checkers/yield_presence.h"

namespace mapfault {
namespace {

// Buffers kept per thread across indexes (a thread checks one history after another): a big
// history's event arrays are megabytes, and a fresh allocation of that size is a fresh mapping
// whose first touch page-faults page by page (~25% of checking a 100,000-operation history here);
// a small history's index is a dozen small vectors, whose allocations were a third of its cost.
// An index borrows each spare buffer while it lives and gives the larger one back when it dies.
struct Spares {
  std::vector<std::pair<Key, KeyEvent>> raw;  // the events with their keys (scratch)
  std::vector<uint32_t> start, next;          // the counting sort's buckets (scratch)
  std::vector<const OpRecord*> ops, iterations, sizes;
  std::vector<KeyEvent> events;
  std::vector<std::pair<Key, KeyEvents>> keys;
  std::vector<int32_t> dense;
  std::vector<uint8_t> yield_presence;
  std::vector<uint8_t> reaches_final_contents;
};
thread_local Spares spares;

template <class T>
void Borrow(std::vector<T>& v, std::vector<T>& spare) {
  v.swap(spare);
  v.clear();
}

template <class T>
void GiveBack(std::vector<T>& v, std::vector<T>& spare) {
  if (v.capacity() <= spare.capacity()) return;
  v.clear();
  spare.swap(v);
}

}  // namespace

// The per-key judges' building blocks (named, not anonymous: KeyJudge, a member of HistoryIndex,
// holds them).
namespace history_index_internal {

// The largest value added so far, and the largest added by any op other than the best one's, so
// that the maximum over all ops but one (`ignore`) is known. 0 = nothing (every value added is > 0
// where the absence matters, and a 0 never decides a comparison where it does not).
struct Top2 {
  uint64_t best = 0;
  const OpRecord* best_op = nullptr;
  uint64_t second = 0;

  void Add(uint64_t v, const OpRecord* op) {
    if (op == best_op) {
      best = std::max(best, v);
    } else if (v > best) {
      second = best;  // the old best's op differs from `op`, and it bounds everything else
      best = v;
      best_op = op;
    } else {
      second = std::max(second, v);
    }
  }
  uint64_t Excluding(const OpRecord* ignore) const {
    return ignore != nullptr && ignore == best_op ? second : best;
  }
};

// Prefix maxima: out[i] covers the first i (value, op) pairs.
std::vector<Top2> PrefixTop2(const std::vector<std::pair<uint64_t, const OpRecord*>>& values) {
  std::vector<Top2> out(values.size() + 1);
  for (size_t i = 0; i < values.size(); ++i) {
    out[i + 1] = out[i];
    out[i + 1].Add(values[i].first, values[i].second);
  }
  return out;
}

// A min segment tree that finds the first position at or after `start` holding less than `bound`.
class MinTree {
 public:
  explicit MinTree(const std::vector<uint64_t>& values) {
    while (size_ < values.size()) size_ *= 2;
    tree_.assign(2 * size_, kNever);
    std::copy(values.begin(), values.end(), tree_.begin() + static_cast<ptrdiff_t>(size_));
    for (size_t i = size_ - 1; i >= 1; --i) tree_[i] = std::min(tree_[2 * i], tree_[2 * i + 1]);
  }
  // -1 when there is none.
  int64_t FindFirst(size_t start, uint64_t bound) const { return Find(1, 0, size_, start, bound); }

 private:
  int64_t Find(size_t node, size_t lo, size_t hi, size_t start, uint64_t bound) const {
    if (hi <= start || tree_[node] >= bound) return -1;
    if (hi - lo == 1) return static_cast<int64_t>(lo);
    const size_t mid = (lo + hi) / 2;
    const int64_t left = Find(2 * node, lo, mid, start, bound);
    return left >= 0 ? left : Find(2 * node + 1, mid, hi, start, bound);
  }
  size_t size_ = 1;
  std::vector<uint64_t> tree_;
};

}  // namespace history_index_internal

using history_index_internal::MinTree;
using history_index_internal::PrefixTop2;
using history_index_internal::Top2;

namespace {

// Every key's events, sorted by key then begin, stably (equal begins keep their order in `raw`),
// into `events` with the keys' slices in `keys`: a counting sort by key straight into `events` when
// the keys span a small range (a generated program's keys are 0..N), then each key's events by
// begin in place (contiguous; no second copy of a big history); else one stable sort of `raw`.
void SortEvents(std::vector<std::pair<Key, KeyEvent>>& raw, std::vector<KeyEvent>& events,
                std::vector<std::pair<Key, KeyEvents>>& keys) {
  if (raw.empty()) return;
  const auto [lo, hi] = std::minmax_element(
      raw.begin(), raw.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const Key base = lo->first;
  const uint64_t width = static_cast<uint64_t>(hi->first) - static_cast<uint64_t>(base);
  if (width >= 4 * raw.size() + 64) {
    std::stable_sort(raw.begin(), raw.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second.begin < b.second.begin;
    });
    events.reserve(raw.size());
    for (const auto& [k, e] : raw) events.push_back(e);
    for (size_t i = 0; i < raw.size();) {
      size_t j = i + 1;
      while (j < raw.size() && raw[j].first == raw[i].first) ++j;
      keys.push_back({raw[i].first, KeyEvents(events.data() + i, j - i)});
      i = j;
    }
    return;
  }
  const auto slot = [base](Key k) {
    return static_cast<uint64_t>(k) - static_cast<uint64_t>(base);
  };
  std::vector<uint32_t>& start = spares.start;
  start.assign(width + 2, 0);
  for (const auto& e : raw) ++start[slot(e.first) + 1];
  for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<uint32_t>& next = spares.next;
  next.assign(start.begin(), start.end() - 1);
  events.resize(raw.size());
  keys.reserve(width + 1);
  for (const auto& [k, e] : raw) events[next[slot(k)]++] = e;
  const auto by_begin = [](const KeyEvent& a, const KeyEvent& b) { return a.begin < b.begin; };
  for (size_t s = 0; s + 1 < start.size(); ++s) {
    const auto first = events.begin() + start[s], last = events.begin() + start[s + 1];
    if (first == last) continue;
    if (last - first > 32) {
      std::stable_sort(first, last, by_begin);
    } else {
      for (auto it = first; it != last; ++it) {  // insertion sort: stable, no allocation
        for (auto j = it; j != first && by_begin(*j, *(j - 1)); --j) std::iter_swap(j, j - 1);
      }
    }
    keys.push_back({static_cast<Key>(static_cast<uint64_t>(base) + s),
                    KeyEvents(events.data() + start[s], start[s + 1] - start[s])});
  }
}

}  // namespace

// One key's presence sources and removals, arranged for the judgements (see history_index.h).
struct HistoryIndex::KeyJudge {
  const KeyEvent* first_initial = nullptr;
  // Presence sources other than the initial state, in event order (ascending begin).
  std::vector<const KeyEvent*> sources;
  std::vector<uint64_t> source_begin;
  std::vector<Top2> source_end_prefix;  // effective ends
  MinTree source_end_tree{{}};          // ends; kNever for one that never returned
  // Removals, possible ones included, in event order (ascending begin); the completed certain ones
  // by ascending end.
  std::vector<uint64_t> removal_begin;
  std::vector<Top2> removal_end_prefix;  // effective ends, by begin
  std::vector<uint64_t> removal_end;     // completed removals, ascending
  std::vector<Top2> removal_begin_prefix_by_end;

  explicit KeyJudge(KeyEvents events);
};

HistoryIndex::KeyJudge::KeyJudge(KeyEvents events) {
  std::vector<std::pair<uint64_t, const OpRecord*>> source_ends, removal_ends;
  std::vector<const KeyEvent*> completed;  // completed removals
  std::vector<uint64_t> tree_values;
  for (const KeyEvent& e : events) {
    if (e.kind == KeyEvent::Kind::kInitial) {
      if (first_initial == nullptr) first_initial = &e;
    } else if (IsPresenceSource(e.kind)) {
      sources.push_back(&e);
      source_begin.push_back(e.begin);
      source_ends.push_back({EffectiveEnd(e), e.op});
      tree_values.push_back(EffectiveEnd(e));
    } else if (e.MayRemove()) {
      removal_begin.push_back(e.begin);
      removal_ends.push_back({EffectiveEnd(e), e.op});
      // Only a removal that certainly happened can rule a presence out.
      if (e.end != 0 && e.kind == KeyEvent::Kind::kRemove) completed.push_back(&e);
    }
  }
  source_end_prefix = PrefixTop2(source_ends);
  source_end_tree = MinTree(tree_values);
  removal_end_prefix = PrefixTop2(removal_ends);
  std::stable_sort(completed.begin(), completed.end(),
                   [](const KeyEvent* a, const KeyEvent* b) { return a->end < b->end; });
  std::vector<std::pair<uint64_t, const OpRecord*>> begins_by_end;
  for (const KeyEvent* r : completed) {
    removal_end.push_back(r->end);
    begins_by_end.push_back({r->begin, r->op});
  }
  removal_begin_prefix_by_end = PrefixTop2(begins_by_end);
}

struct HistoryIndex::Judges {
  std::vector<std::unique_ptr<KeyJudge>> by_ordinal;  // by KeyOrdinal; null until first asked
};

HistoryIndex::~HistoryIndex() {
  GiveBack(ops_, spares.ops);
  GiveBack(iterations_, spares.iterations);
  GiveBack(sizes_, spares.sizes);
  GiveBack(events_, spares.events);
  GiveBack(keys_, spares.keys);
  GiveBack(dense_, spares.dense);
  GiveBack(yield_presence_, spares.yield_presence);
  GiveBack(reaches_final_contents_, spares.reaches_final_contents);
}

const HistoryIndex::KeyJudge& HistoryIndex::JudgeFor(int ordinal) const {
  if (judges_ == nullptr) {
    judges_ = std::make_unique<Judges>();
    judges_->by_ordinal.resize(keys_.size());
  }
  std::unique_ptr<KeyJudge>& judge = judges_->by_ordinal[static_cast<size_t>(ordinal)];
  if (judge == nullptr) {
    judge = std::make_unique<KeyJudge>(keys_[static_cast<size_t>(ordinal)].second);
  }
  return *judge;
}

std::span<const uint8_t> HistoryIndex::YieldsPossiblyPresent() const {
  if (!yields_judged_) {
    JudgeYieldPresence(*this, yield_presence_);
    yields_judged_ = true;
  }
  return yield_presence_;
}

std::string Who(const OpRecord& op) {
  return op.thread < 0 ? absl::StrCat("post ", op.CallString())
                       : absl::StrCat("T", op.thread, " ", op.CallString());
}

std::string KeyEvent::Describe() const {
  if (kind == Kind::kInitial) return "the initial state";
  if (yield != nullptr) {
    return absl::StrCat(Who(*op), "'s erase-this at t=", yield->at,
                        kind == Kind::kMaybeRemove ? " (outcome unknown)" : "");
  }
  if (op->kind == OpKind::kClear) {
    return absl::StrCat(Who(*op), " [t=", begin, "..", end, "]");
  }
  return absl::StrCat(Who(*op), " -> ", op->ResultString(), " [t=", begin, "..", end, "]");
}

HistoryIndex::HistoryIndex(const History& history, size_t scan_limit)
    : history_(history), scan_limit_(scan_limit) {
  Borrow(ops_, spares.ops);
  Borrow(iterations_, spares.iterations);
  Borrow(sizes_, spares.sizes);
  Borrow(events_, spares.events);
  Borrow(keys_, spares.keys);
  Borrow(dense_, spares.dense);
  Borrow(yield_presence_, spares.yield_presence);
  Borrow(reaches_final_contents_, spares.reaches_final_contents);
  history.AllOpsInto(ops_);
  // Every event with its key, in the order the per-key lists keep for equal begins: the initial
  // state, the operations, then the clears' removals.
  std::vector<std::pair<Key, KeyEvent>>& raw = spares.raw;  // not reentrant: no index builds one
  raw.clear();
  raw.reserve(history.initial.size() + ops_.size() + 8);
  for (const auto& [k, v] : history.initial) {
    raw.push_back({k, {KeyEvent::Kind::kInitial, 0, 0, v}});
  }
  std::vector<const OpRecord*> clears;
  for (const OpRecord* op : ops_) {
    const uint64_t b = op->invoke, e = op->response;
    auto add = [&](KeyEvent::Kind kind, Value v) { raw.push_back({op->key, {kind, b, e, v, op}}); };
    switch (op->kind) {
      case OpKind::kInsert:
        // An insert that never returned may have written.
        add(op->ok || !op->completed() ? KeyEvent::Kind::kWrite : KeyEvent::Kind::kInsertNoop,
            op->value);
        break;
      case OpKind::kAssign: add(KeyEvent::Kind::kWrite, op->value); break;
      case OpKind::kErase:
        add(op->ok || !op->completed() ? KeyEvent::Kind::kRemove : KeyEvent::Kind::kAbsent, 0);
        break;
      case OpKind::kFind:
        if (op->completed()) {
          add(op->found ? KeyEvent::Kind::kFound : KeyEvent::Kind::kAbsent, op->found.value_or(0));
        }
        break;
      case OpKind::kClear: clears.push_back(op); break;
      case OpKind::kSize: sizes_.push_back(op); break;
      case OpKind::kForEach:
        iterations_.push_back(op);
        for (const YieldRecord& y : op->yields) {
          if (y.action != VisitAction::kEraseThis || y.erase == EraseOutcome::kDeclined) continue;
          // The removal lies after the visit, and before the backend reported it (or returned).
          const uint64_t end = y.erase_at != 0 ? y.erase_at : op->response;
          raw.push_back({y.key,
                         {y.erase == EraseOutcome::kUnknown ? KeyEvent::Kind::kMaybeRemove
                                                            : KeyEvent::Kind::kRemove,
                          y.at, end, 0, op, &y}});
        }
        break;
    }
  }
  if (!clears.empty()) {
    // A clear removes every key some event names.
    std::vector<Key> named;
    named.reserve(raw.size());
    for (const auto& [k, e] : raw) named.push_back(k);
    std::sort(named.begin(), named.end());
    named.erase(std::unique(named.begin(), named.end()), named.end());
    for (const OpRecord* c : clears) {
      for (Key k : named) {
        raw.push_back({k, {KeyEvent::Kind::kRemove, c->invoke, c->response, 0, c}});
      }
    }
  }
  SortEvents(raw, events_, keys_);
  // A direct table when it costs at most a few slots per key (keys 0..N of a generated program).
  if (!keys_.empty()) {
    const uint64_t width = static_cast<uint64_t>(keys_.back().first) -
                           static_cast<uint64_t>(keys_.front().first);  // no overflow: unsigned
    if (width < 4 * keys_.size() + 64) {
      dense_base_ = keys_.front().first;
      dense_.assign(width + 1, -1);
      for (size_t i = 0; i < keys_.size(); ++i) {
        dense_[static_cast<uint64_t>(keys_[i].first) - static_cast<uint64_t>(dense_base_)] =
            static_cast<int32_t>(i);
      }
    }
  }
}

int HistoryIndex::SparseOrdinal(Key k) const {
  const auto it = std::lower_bound(keys_.begin(), keys_.end(), k,
                                   [](const auto& entry, Key key) { return entry.first < key; });
  return it == keys_.end() || it->first != k ? -1 : static_cast<int>(it - keys_.begin());
}

namespace {

// Why key k cannot have been present in [from, to] (PossiblyPresent said no): the last presence
// source before `to` in event order, and the first removal that definitely followed it before
// `from`. Linear in the key's events; only a violation asks.
std::string NotPresentWhy(const KeyEvents* events, Key k, uint64_t from, uint64_t to,
                          const OpRecord* ignore) {
  const KeyEvent* last_source = nullptr;
  if (events != nullptr) {
    for (const KeyEvent& p : *events) {
      if (!IsPresenceSource(p.kind) || (p.op != nullptr && p.op == ignore)) continue;
      if (p.kind != KeyEvent::Kind::kInitial && p.begin >= to) continue;
      last_source = &p;
    }
  }
  if (last_source == nullptr) return absl::StrCat("no operation wrote key ", k, " before t=", to);
  const uint64_t p_end = last_source->kind == KeyEvent::Kind::kInitial ? 0 : last_source->end;
  const KeyEvent* killer = nullptr;
  for (const KeyEvent& r : *events) {
    if (r.kind == KeyEvent::Kind::kRemove && r.op != ignore && r.begin > p_end &&
        r.DefinitelyBefore(from)) {
      killer = &r;
      break;
    }
  }
  return absl::StrCat("key ", k, " was last made present by ", last_source->Describe(),
                      " but then removed by ", killer->Describe(), " before t=", from,
                      ", and nothing wrote it again in time");
}

// The same two judgements by scanning a key's events twice (linear: for the few events most keys
// have in a trial quicker than building the key's KeyJudge). The definitions, which the KeyJudge
// answers by prefix maxima (and the brute-force tests check against both):
// possibly present: some presence source p invoked before `to` (the initial state, or one that
//   never returned, or one that ended at p_end) with no certain removal r (completed before `from`)
//   that began after p_end; i.e. p_end >= the latest begin M of those removals.
bool ScanPossiblyPresent(KeyEvents events, uint64_t from, uint64_t to, const OpRecord* ignore) {
  uint64_t latest_kill = 0;  // M (0: none; a removal that began at 0 kills nothing either)
  for (const KeyEvent& r : events) {
    if (r.kind == KeyEvent::Kind::kRemove && r.op != ignore && r.DefinitelyBefore(from)) {
      latest_kill = std::max(latest_kill, r.begin);
    }
  }
  for (const KeyEvent& p : events) {
    if (!IsPresenceSource(p.kind) || (p.op != nullptr && p.op == ignore)) continue;
    const bool initial = p.kind == KeyEvent::Kind::kInitial;
    if (!initial && p.begin >= to) continue;
    if (!initial && p.end == 0) return true;
    if ((initial ? 0 : p.end) >= latest_kill) return true;
  }
  return false;
}

// present throughout: the first presence source p (in event order) that completed before `from`
//   such that every removal invoked before `to` (possible ones included) completed before p began;
//   the initial state qualifies only when there is no such removal at all.
const KeyEvent* ScanPresentThroughout(KeyEvents events, uint64_t from, uint64_t to,
                                      const OpRecord* ignore) {
  bool any_removal = false;
  uint64_t latest_end = 0;  // the latest effective end of those removals
  for (const KeyEvent& r : events) {
    if (!r.MayRemove() || r.op == ignore || r.begin >= to) continue;
    any_removal = true;
    latest_end = std::max(latest_end, EffectiveEnd(r));
  }
  for (const KeyEvent& p : events) {
    if (!IsPresenceSource(p.kind) || (p.op != nullptr && p.op == ignore)) continue;
    if (!p.DefinitelyBefore(from)) continue;
    if (!any_removal) return &p;
    if (p.kind != KeyEvent::Kind::kInitial && latest_end < p.begin) return &p;
  }
  return nullptr;
}

// Both scans' answers at once with no operation ignored (PresenceSweep's few-window path): one
// pass over the removals for both bounds, one over the sources for both answers.
void ScanPresence(KeyEvents events, uint64_t from, uint64_t to, bool& certain, bool& possible) {
  uint64_t latest_kill = 0;  // ScanPossiblyPresent's M
  bool any_removal = false;  // ScanPresentThroughout's removals invoked before `to`
  uint64_t latest_end = 0;   // and their latest effective end
  for (const KeyEvent& r : events) {
    if (!r.MayRemove()) continue;
    if (r.kind == KeyEvent::Kind::kRemove && r.DefinitelyBefore(from)) {
      latest_kill = std::max(latest_kill, r.begin);
    }
    if (r.begin < to) {
      any_removal = true;
      latest_end = std::max(latest_end, EffectiveEnd(r));
    }
  }
  certain = possible = false;
  for (const KeyEvent& p : events) {
    if (!IsPresenceSource(p.kind)) continue;
    const bool initial = p.kind == KeyEvent::Kind::kInitial;
    if (p.DefinitelyBefore(from) && (!any_removal || (!initial && latest_end < p.begin))) {
      certain = true;
    }
    if ((initial || p.begin < to) &&
        ((!initial && p.end == 0) || (initial ? 0 : p.end) >= latest_kill)) {
      possible = true;
    }
    if (certain && possible) return;
  }
}

}  // namespace

void HistoryIndex::Presence(Key k, KeyEvents events, uint64_t from, uint64_t to, bool& certain,
                            bool& possible) const {
  if (events.size() <= scan_limit_) {
    ScanPresence(events, from, to, certain, possible);
    return;
  }
  certain = DefinitelyPresentThroughout(k, from, to, nullptr, nullptr);
  possible = PossiblyPresent(k, from, to, nullptr, nullptr);
}

// A source p survives unless a removal that completed before `from` began after p ended; so with
// M the latest begin of those removals, some source must end at or after M (the initial state
// "ends" at 0; one that never returned, never).
bool HistoryIndex::PossiblyPresent(Key k, uint64_t from, uint64_t to, const OpRecord* ignore,
                                   std::string* why) const {
  const int ordinal = KeyOrdinal(k);  // once: the events and the judge are both found by it
  const KeyEvents* events = ordinal < 0 ? nullptr : &keys_[static_cast<size_t>(ordinal)].second;
  if (events != nullptr && events->size() <= scan_limit_) {
    if (ScanPossiblyPresent(*events, from, to, ignore)) return true;
  } else if (events != nullptr) {
    const KeyJudge& j = JudgeFor(ordinal);
    const size_t removals = static_cast<size_t>(
        std::lower_bound(j.removal_end.begin(), j.removal_end.end(), from) - j.removal_end.begin());
    const uint64_t latest_kill = j.removal_begin_prefix_by_end[removals].Excluding(ignore);
    if (j.first_initial != nullptr && latest_kill == 0) return true;
    const auto sources = static_cast<size_t>(
        std::lower_bound(j.source_begin.begin(), j.source_begin.end(), to) -
        j.source_begin.begin());
    const uint64_t latest_end = j.source_end_prefix[sources].Excluding(ignore);
    if (latest_end != 0 && latest_end >= latest_kill) return true;
  }
  if (why != nullptr) *why = NotPresentWhy(events, k, from, to, ignore);
  return false;
}

// A source p that completed before `from` holds throughout unless some removal invoked before `to`
// did not complete before p began (for the initial state: unless there is any such removal); so
// with L the latest effective end of those removals, the first source that began after L and ended
// before `from` is the answer.
bool HistoryIndex::DefinitelyPresentThroughout(Key k, uint64_t from, uint64_t to,
                                               const OpRecord* ignore,
                                               const KeyEvent** since) const {
  const int ordinal = KeyOrdinal(k);  // once: the events and the judge are both found by it
  const KeyEvents* events = ordinal < 0 ? nullptr : &keys_[static_cast<size_t>(ordinal)].second;
  if (events != nullptr && events->size() <= scan_limit_) {
    const KeyEvent* p = ScanPresentThroughout(*events, from, to, ignore);
    if (p != nullptr && since != nullptr) *since = p;
    return p != nullptr;
  }
  if (events == nullptr) return false;
  const KeyJudge& j = JudgeFor(ordinal);
  const auto removals = static_cast<size_t>(
      std::lower_bound(j.removal_begin.begin(), j.removal_begin.end(), to) -
      j.removal_begin.begin());
  const uint64_t latest_end = j.removal_end_prefix[removals].Excluding(ignore);
  if (latest_end == 0 && j.first_initial != nullptr) {
    if (since != nullptr) *since = j.first_initial;
    return true;
  }
  if (latest_end == kNever) return false;
  size_t start = static_cast<size_t>(
      std::upper_bound(j.source_begin.begin(), j.source_begin.end(), latest_end) -
      j.source_begin.begin());
  for (;;) {
    const int64_t i = j.source_end_tree.FindFirst(start, from);
    if (i < 0) return false;
    const KeyEvent* p = j.sources[static_cast<size_t>(i)];
    if (p->op != ignore) {
      if (since != nullptr) *since = p;
      return true;
    }
    start = static_cast<size_t>(i) + 1;
  }
}

}  // namespace mapfault
