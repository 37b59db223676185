// Test-only brute-force reference for the checkers (issue #13 item 8): each judgement of a
// checker's documented definition (the comment that opens its file, and history_index.h for the
// presence judgements) computed the slow, obvious way, by enumerating every order of the relevant
// events that respects real time (a before b whenever a returned strictly before b was invoked;
// touching or overlapping intervals go either way, as the checkers say). Any such order is realised
// by an instant inside each event's interval, so enumerating orders is enumerating the placements
// of each effect instant and every instant of a window. It shares no code with the checkers: only
// the history types (history.h) and the sequential specification ApplyLinOp (linearizability.h) are
// used; HistoryIndex, KeyOps and the search are not. Meant for small histories (<= ~9 events a
// key).
#ifndef MAPFAULT_HARNESS_CHECKERS_BRUTE_FORCE_REFERENCE_H_
#define MAPFAULT_HARNESS_CHECKERS_BRUTE_FORCE_REFERENCE_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "harness/base/history.h"
#include "harness/checkers/linearizability.h"

namespace mapfault::brute {

constexpr uint64_t kForever = std::numeric_limits<uint64_t>::max();  // never returned

// What an event does to one key, for the presence judgements.
enum class Effect : uint8_t {
  kSource,       // makes the key present (initial, write, insert -> false, find -> found)
  kWrite,        // (value-valid) the key holds `value` afterwards: initial, insert -> true, assign
  kRemove,       // certainly removes: erase -> true, clear, an erased erase-this
  kMaybeRemove,  // may remove (erase-this of unknown outcome): both effects enumerated
  kProbe,        // the instant of a window being judged
  kProbeEnd,     // the end of a window (throughout judgements)
};

struct Event {
  Effect effect;
  uint64_t begin, end;  // end == kForever: never returned, takes effect any time after begin
  Value value = 0;
  LinOp lin{};  // for the sequential-spec references
};

// Calls `visit(order)` on every order of `events` that respects real time; stops (and returns
// true) when `visit` returns true.
inline bool AnyOrder(const std::vector<Event>& events,
                     const std::function<bool(const std::vector<int>&)>& visit) {
  const int n = static_cast<int>(events.size());
  std::vector<int> order;
  std::vector<bool> placed(n, false);
  std::function<bool()> dfs = [&]() -> bool {
    if (static_cast<int>(order.size()) == n) return visit(order);
    for (int e = 0; e < n; ++e) {
      if (placed[e]) continue;
      bool ready = true;  // every event that returned before e was invoked is placed
      for (int a = 0; a < n && ready; ++a) {
        ready = placed[a] || a == e || !(events[a].end < events[e].begin);
      }
      if (!ready) continue;
      placed[e] = true;
      order.push_back(e);
      if (dfs()) return true;
      order.pop_back();
      placed[e] = false;
    }
    return false;
  };
  return dfs();
}

// Every subset of the maybe-removals of `order` as certain removals (bit i: the i-th one removes).
inline int MaybeCount(const std::vector<Event>& events) {
  int m = 0;
  for (const Event& e : events) m += e.effect == Effect::kMaybeRemove;
  return m;
}

// The presence events of key k in `h` (history_index.h's definition): sources, certain removals,
// possible removals; events of `ignore` left out; absence witnesses (find -> absent, erase ->
// false) are no evidence, by definition (deliberately conservative), so they are not events here.
// `values`: value-valid's events instead: only writes (the initial state, insert -> true, an insert
// that never returned, assign), each with its value, and certain removals.
inline std::vector<Event> PresenceEvents(const History& h, Key k, const OpRecord* ignore,
                                         bool values = false) {
  std::vector<Event> out;
  for (const auto& [key, v] : h.initial) {
    if (key == k) out.push_back({Effect::kSource, 0, 0, v});
  }
  std::vector<const OpRecord*> clears;
  for (const OpRecord* op : h.AllOps()) {
    const uint64_t b = op->invoke, e = op->completed() ? op->response : kForever;
    if (op->kind == OpKind::kClear) clears.push_back(op);
    if (op->kind == OpKind::kForEach) {
      for (const YieldRecord& y : op->yields) {
        if (y.key != k || y.action != VisitAction::kEraseThis) continue;
        if (op == ignore || y.erase == EraseOutcome::kDeclined) continue;
        const uint64_t end = y.erase_at != 0  ? y.erase_at
                             : op->completed() ? op->response
                                               : kForever;
        out.push_back({y.erase == EraseOutcome::kUnknown ? Effect::kMaybeRemove : Effect::kRemove,
                       y.at, end});
      }
      continue;
    }
    if (op->key != k || op->kind == OpKind::kClear || op->kind == OpKind::kSize) continue;
    if (op == ignore) continue;
    const bool pending = !op->completed();
    switch (op->kind) {
      case OpKind::kInsert:
        if (!values || op->ok || pending) out.push_back({Effect::kSource, b, e, op->value});
        break;
      case OpKind::kAssign: out.push_back({Effect::kSource, b, e, op->value}); break;
      case OpKind::kErase:
        if (op->ok || pending) out.push_back({Effect::kRemove, b, e});
        break;
      case OpKind::kFind:
        if (op->found && !values) out.push_back({Effect::kSource, b, e, *op->found});
        break;
      default: break;
    }
  }
  // A clear removes every key (whether it counts for a key without sources does not matter).
  for (const OpRecord* c : clears) {
    out.push_back({Effect::kRemove, c->invoke, c->completed() ? c->response : kForever});
  }
  return out;
}

// Could key k have been present at some instant of [from, to]: in some order (and choice of the
// maybe-removals' effects) the last source-or-removal before the instant is a source.
inline bool PossiblyPresent(const History& h, Key k, uint64_t from, uint64_t to,
                            const OpRecord* ignore) {
  std::vector<Event> events = PresenceEvents(h, k, ignore);
  events.push_back({Effect::kProbe, from, to});
  return AnyOrder(events, [&](const std::vector<int>& order) {
    for (int choice = 0; choice < (1 << MaybeCount(events)); ++choice) {
      bool present = false;
      int maybe = 0;
      for (int i : order) {
        const Event& e = events[i];
        if (e.effect == Effect::kProbe) {
          if (present) return true;
          break;
        }
        if (e.effect == Effect::kSource) present = true;
        if (e.effect == Effect::kRemove) present = false;
        if (e.effect == Effect::kMaybeRemove && ((choice >> maybe++) & 1)) present = false;
      }
    }
    return false;
  });
}

// Was key k certainly present during all of [from, to]: in every order and choice of effects it is
// present at `from` and nothing removes it before `to`.
inline bool PresentThroughout(const History& h, Key k, uint64_t from, uint64_t to,
                              const OpRecord* ignore) {
  std::vector<Event> events = PresenceEvents(h, k, ignore);
  events.push_back({Effect::kProbe, from, from});
  events.push_back({Effect::kProbeEnd, to, to});
  const bool counterexample = AnyOrder(events, [&](const std::vector<int>& order) {
    for (int choice = 0; choice < (1 << MaybeCount(events)); ++choice) {
      bool present = false, inside = false;
      int maybe = 0;
      for (int i : order) {
        const Event& e = events[i];
        if (e.effect == Effect::kProbe) {
          if (!present) return true;
          inside = true;
        }
        if (e.effect == Effect::kProbeEnd) {
          if (!inside) return true;  // (only when from > to; not asked)
          break;
        }
        const bool removes = e.effect == Effect::kRemove ||
                             (e.effect == Effect::kMaybeRemove && ((choice >> maybe++) & 1));
        if (e.effect == Effect::kSource) present = true;
        if (removes) {
          if (inside) return true;
          present = false;
        }
      }
    }
    return false;
  });
  return !counterexample;
}

// The single-key operations on key k as the sequential specification sees them (linearizable's
// definition): completed insert / assign / erase / find, each completed clear and each erase-this
// that was not declined as a removal (unknown outcome: a maybe-removal), an erase-this lying in
// [its visit, erase_at or the for_each's return]. Operations that never returned are left out
// (linearizability.h: only completed trials are judged; a pending write is not considered).
// `parallel_only`: without the post part (quiescent-state).
inline std::vector<Event> LinEvents(const History& h, Key k, bool parallel_only) {
  std::vector<Event> out;
  for (const OpRecord* op : h.AllOps()) {
    if (parallel_only && op->thread < 0) continue;
    if (op->kind == OpKind::kForEach) {
      for (const YieldRecord& y : op->yields) {
        if (y.key != k || y.action != VisitAction::kEraseThis) continue;
        if (y.erase == EraseOutcome::kDeclined) continue;
        const uint64_t end = y.erase_at != 0 ? y.erase_at : op->response;
        if (end == 0) continue;
        Event e{Effect::kRemove, y.at, end};
        e.lin.kind = y.erase == EraseOutcome::kUnknown ? LinOp::Kind::kMaybeRemove
                                                       : LinOp::Kind::kRemove;
        out.push_back(e);
      }
      continue;
    }
    if (!op->completed() || op->kind == OpKind::kSize) continue;
    if (op->kind != OpKind::kClear && op->key != k) continue;
    Event e{Effect::kRemove, op->invoke, op->response};
    e.lin.value = op->value;
    e.lin.ok = op->ok;
    e.lin.found = op->found;
    switch (op->kind) {
      case OpKind::kInsert: e.lin.kind = LinOp::Kind::kInsert; break;
      case OpKind::kAssign: e.lin.kind = LinOp::Kind::kAssign; break;
      case OpKind::kErase: e.lin.kind = LinOp::Kind::kErase; break;
      case OpKind::kFind: e.lin.kind = LinOp::Kind::kFind; break;
      default: e.lin.kind = LinOp::Kind::kRemove; break;  // clear
    }
    out.push_back(e);
  }
  return out;
}

// Whether some real-time order of `events`, and some effect of each maybe-removal, explains every
// result from `initial` (check_results) and, when `final_state` is given, ends in it.
inline bool SomeLinearization(const std::vector<Event>& events, std::optional<Value> initial,
                              bool check_results,
                              const std::optional<std::optional<Value>>& final_state) {
  int maybes = 0;
  for (const Event& e : events) maybes += e.lin.kind == LinOp::Kind::kMaybeRemove;
  return AnyOrder(events, [&](const std::vector<int>& order) {
    for (int choice = 0; choice < (1 << maybes); ++choice) {
      std::optional<Value> state = initial;
      bool ok = true;
      int maybe = 0;
      for (size_t i = 0; ok && i < order.size(); ++i) {
        LinOp op = events[order[i]].lin;
        op.check_result = check_results;
        int alternative = 0;
        if (op.kind == LinOp::Kind::kMaybeRemove) alternative = (choice >> maybe++) & 1;
        ok = ApplyLinOp(op, state, alternative);
      }
      if (ok && (!final_state || *final_state == state)) return true;
    }
    return false;
  });
}

inline std::optional<Value> Initial(const History& h, Key k) {
  for (const auto& [key, v] : h.initial) {
    if (key == k) return v;
  }
  return std::nullopt;
}

// Every key the history mentions (initial state, operations, yields), ascending.
inline std::set<Key> Keys(const History& h) {
  std::set<Key> keys;
  for (const auto& [k, v] : h.initial) keys.insert(k);
  for (const OpRecord* op : h.AllOps()) {
    if (op->kind == OpKind::kForEach) {
      for (const YieldRecord& y : op->yields) {
        if (y.action == VisitAction::kEraseThis) keys.insert(y.key);
      }
    } else if (op->kind != OpKind::kClear && op->kind != OpKind::kSize) {
      if (op->kind != OpKind::kFind || op->completed()) keys.insert(op->key);
    }
  }
  return keys;
}

// value-valid's judgement of a value read in [from, to]: in some order, the last write-or-removal
// before the read instant is a write of `v` (maybe-removals can always be chosen not to remove).
inline bool ValueCurrent(const History& h, Key k, Value v, uint64_t from, uint64_t to,
                         const OpRecord* ignore) {
  std::vector<Event> events;
  for (const Event& e : PresenceEvents(h, k, ignore, /*values=*/true)) {
    if (e.effect != Effect::kMaybeRemove) events.push_back(e);
  }
  events.push_back({Effect::kProbe, from, to});
  return AnyOrder(events, [&](const std::vector<int>& order) {
    std::optional<Value> current;
    for (int i : order) {
      const Event& e = events[i];
      if (e.effect == Effect::kProbe) return current == v;
      if (e.effect == Effect::kSource) current = e.value;
      if (e.effect == Effect::kRemove) current.reset();
    }
    return false;
  });
}

// The reference verdicts, one per invariant: true when the history violates it.
inline bool LinearizableViolated(const History& h) {
  for (Key k : Keys(h)) {
    if (!SomeLinearization(LinEvents(h, k, false), Initial(h, k), true, std::nullopt)) return true;
  }
  return false;
}

inline bool QuiescentViolated(const History& h) {
  if (!h.final_state) return false;
  std::map<Key, Value> final_state(h.final_state->begin(), h.final_state->end());
  std::set<Key> keys = Keys(h);
  for (const auto& [k, v] : final_state) keys.insert(k);
  for (Key k : keys) {
    const auto it = final_state.find(k);
    const std::optional<Value> found =
        it == final_state.end() ? std::nullopt : std::optional<Value>(it->second);
    if (!SomeLinearization(LinEvents(h, k, true), Initial(h, k), false, found)) return true;
  }
  return false;
}

inline bool NoPhantomViolated(const History& h) {
  for (const OpRecord* f : h.AllOps()) {
    for (const YieldRecord& y : f->yields) {
      if (!PossiblyPresent(h, y.key, ReadFrom(*f, y), ReadTo(y), f)) return true;
    }
  }
  return false;
}

inline bool ValueValidViolated(const History& h) {
  for (const OpRecord* f : h.AllOps()) {
    for (const YieldRecord& y : f->yields) {
      const uint64_t from = ReadFrom(*f, y), to = ReadTo(y);
      // A yield of a key that cannot have been present at all is no-phantom's.
      if (!PossiblyPresent(h, y.key, from, to, f)) continue;
      if (!ValueCurrent(h, y.key, y.value, from, to, f)) return true;
    }
  }
  return false;
}

// size-bounds as defined (deliberately per key, a relaxation): at least the keys certainly present
// throughout the window, at most the keys possibly present at some instant of it (not one instant
// for all keys).
inline bool SizeBoundsViolated(const History& h) {
  for (const OpRecord* s : h.AllOps()) {
    if (s->kind != OpKind::kSize || !s->completed()) continue;
    uint64_t certain = 0, possible = 0;
    for (Key k : Keys(h)) {
      certain += PresentThroughout(h, k, s->invoke, s->response, nullptr);
      possible += PossiblyPresent(h, k, s->invoke, s->response, nullptr);
    }
    if (s->size < certain || s->size > possible) return true;
  }
  return false;
}

inline bool NoMissedStableViolated(const History& h) {
  for (const OpRecord* f : h.AllOps()) {
    if (f->kind != OpKind::kForEach || !f->completed() || f->stopped) continue;
    std::set<Key> yielded;
    for (const YieldRecord& y : f->yields) yielded.insert(y.key);
    for (Key k : Keys(h)) {
      if (!yielded.contains(k) && PresentThroughout(h, k, f->invoke, f->response, f)) return true;
    }
  }
  return false;
}

// Whether some real-time order puts `chain`'s intervals in the given order (each event of the
// chain placed after the previous one; touching or overlapping intervals go either way).
inline bool ChainPossible(const std::vector<std::pair<uint64_t, uint64_t>>& chain) {
  std::vector<Event> events;
  for (const auto& [b, e] : chain) events.push_back({Effect::kProbe, b, e});
  return AnyOrder(events, [&](const std::vector<int>& order) {
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i] != static_cast<int>(i)) return false;
    }
    return true;
  });
}

// Every write of key k (initial state excluded): insert -> true, an insert that never returned,
// assign; as [begin, end] (end kForever when it never returned).
inline std::vector<std::pair<uint64_t, uint64_t>> Writes(const History& h, Key k) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const Event& e : PresenceEvents(h, k, nullptr, /*values=*/true)) {
    if (e.effect == Effect::kSource && !(e.begin == 0 && e.end == 0)) {
      out.push_back({e.begin, e.end});
    }
  }
  return out;
}

// iter.no-duplicate: a key yielded twice by one iteration is a violation; with
// `allow_reinsert` (Go's rule) not when a removal of the key (anything that may remove it, the
// iteration's own erase-this included) and then a write of it could both lie between the two
// reads: some real-time order has first read < removal < write < second read. Each yield is
// judged against the key's previous yield.
inline bool NoDuplicateViolated(const History& h, bool allow_reinsert) {
  for (const OpRecord* f : h.AllOps()) {
    std::map<Key, const YieldRecord*> seen;
    for (const YieldRecord& y : f->yields) {
      auto [it, first] = seen.emplace(y.key, &y);
      if (first) continue;
      if (!allow_reinsert) return true;
      const YieldRecord& x = *it->second;
      it->second = &y;
      bool explained = false;
      for (const Event& r : PresenceEvents(h, y.key, nullptr)) {
        if (r.effect != Effect::kRemove && r.effect != Effect::kMaybeRemove) continue;
        // The second yield's own erase-this (it begins at its visit, which can end its read
        // window: the only event that can touch it, stamps being unique) follows that read.
        if (r.begin == ReadTo(y)) continue;
        for (const auto& w : Writes(h, y.key)) {
          explained = explained || ChainPossible({{ReadFrom(*f, x), ReadTo(x)},
                                                  {r.begin, r.end},
                                                  w,
                                                  {ReadFrom(*f, y), ReadTo(y)}});
        }
      }
      if (!explained) return true;
    }
  }
  return false;
}

// iter.erase-honoured: an entry the iteration removed itself (an erase-this that erased, or a
// visitor write erase -> true, at the instant it began) and yielded again (the key's next yield)
// needs a write of it by someone that could lie between the removal and that yield's read (some
// real-time order has removal < write < read); the visitor's own insert or assign of the key after
// the removal re-inserts it.
inline bool EraseHonouredViolated(const History& h) {
  for (const OpRecord* f : h.AllOps()) {
    std::map<Key, uint64_t> removed_at;  // removals by f not yet followed by a yield of the key
    for (size_t i = 0; i < f->yields.size(); ++i) {
      const YieldRecord& y = f->yields[i];
      if (const auto it = removed_at.find(y.key); it != removed_at.end()) {
        bool explained = false;
        for (const auto& w : Writes(h, y.key)) {
          explained = explained ||
                      ChainPossible({{it->second, it->second}, w, {ReadFrom(*f, y), ReadTo(y)}});
        }
        if (!explained) return true;
        removed_at.erase(it);
      }
      const bool erased = y.erase == EraseOutcome::kErased || y.erase == EraseOutcome::kNone;
      if (y.action == VisitAction::kEraseThis && erased) removed_at[y.key] = y.at;
      for (const OpRecord& w : f->visit_writes) {
        if (w.visit != static_cast<int>(i)) continue;
        if (w.kind == OpKind::kErase && w.ok) removed_at[w.key] = w.invoke;
        if (w.kind == OpKind::kInsert || w.kind == OpKind::kAssign) removed_at.erase(w.key);
      }
    }
  }
  return false;
}

// check-then-act: for a not-declined erase-this of key k by a for_each that erases expired values
// (below the threshold), read by r1 = ReadTo and effective by the erase report (or the return):
// a violation needs a fresh write W (value not below the threshold, by another operation, invoked
// after r1 and by the effect bound, returned), an observation O that k is absent (find -> absent
// or erase -> false invoked after W returned, or the quiescent contents lacking k when read after
// W returned), and no other removal of k that some real-time order places between W and O.
inline bool CheckThenActViolated(const History& h) {
  for (const OpRecord* f : h.AllOps()) {
    if (!f->erase_if_value_below) continue;
    for (const YieldRecord& y : f->yields) {
      if (y.action != VisitAction::kEraseThis || y.erase == EraseOutcome::kDeclined) continue;
      const uint64_t effect_by = y.erase_at != 0 ? y.erase_at : f->response;
      std::vector<std::pair<uint64_t, uint64_t>> writes, gone, removals;
      for (const OpRecord* op : h.AllOps()) {
        if (op == f || op->key != y.key || !op->completed()) continue;
        const bool write = op->kind == OpKind::kAssign || (op->kind == OpKind::kInsert && op->ok);
        if (write && op->value >= *f->erase_if_value_below && op->invoke > ReadTo(y) &&
            op->invoke <= effect_by) {
          writes.push_back({op->invoke, op->response});
        }
        const bool absent = (op->kind == OpKind::kFind && !op->found) ||
                            (op->kind == OpKind::kErase && !op->ok);
        if (absent) gone.push_back({op->invoke, op->response});
      }
      if (h.final_state) {
        bool present = false;
        for (const auto& [k, v] : *h.final_state) present |= k == y.key;
        if (!present) gone.push_back({h.parallel_end, h.parallel_end});
      }
      for (const Event& r : PresenceEvents(h, y.key, nullptr)) {
        const bool removes = r.effect == Effect::kRemove || r.effect == Effect::kMaybeRemove;
        if (removes && r.begin != y.at) removals.push_back({r.begin, r.end});  // not y's own
      }
      for (const auto& w : writes) {
        for (const auto& o : gone) {
          if (o.first <= w.second) continue;  // observed after the write returned
          bool explained = false;
          for (const auto& r : removals) explained = explained || ChainPossible({w, r, o});
          if (!explained) return true;
        }
      }
    }
  }
  return false;
}

}  // namespace mapfault::brute

#endif  // MAPFAULT_HARNESS_CHECKERS_BRUTE_FORCE_REFERENCE_H_
