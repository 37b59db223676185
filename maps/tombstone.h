// tombstone: mark-and-sweep. Entries live in slots in stable, chunked storage (a slot never moves
// while an iteration is in progress; growth appends chunks); an index maps each key to its slot.
// erase marks the slot dead (a tombstone) instead of unlinking it; iteration skips tombstones; a
// sweeper compacts the slots and drops the tombstones in batches (when they exceed max(4, live / 2)),
// and only when no iteration is in progress (an active-iteration count). Re-inserting a key whose slot
// is a tombstone revives that slot in place. All state is guarded by one SharedMutex: find, size and
// iteration steps share it; writers and the sweeper hold it exclusively.
//
// Concurrency contract:
// - claims: every invariant but misuse-detected. Single-key operations and size() are atomic under
//   the lock. An iteration walks the slots in order, taking the shared lock for one step at a time
//   and NOT holding it while the visitor runs: erase, insert and assign run concurrently with it.
//   Because nothing is swept and no slot moves while it runs, and a key keeps its slot (revived in
//   place), an iteration yields a key at most once, never a dead slot, and every key live
//   throughout it (keys appended ahead of the cursor are seen, keys revived behind it are not).
// - an iteration that may erase (IterKind::kMayErase) pins the slot it shows, from reading it until
//   the visitor returns: writers of that one key (assign, erase, another iteration's erase-this) wait
//   for the visit; everything else proceeds. So the entry shown is current for the whole visit.
// - erase-this is conditional: after the visit, under the lock, the slot is marked dead only if it
//   has not been written since it was shown (a per-slot version), so a refresh that lands after the
//   visit is never erased (check-then-act), and a declined erase-this is always explained by a write
//   after the visit. (Without the pin, a write landing between the read and the visit would make the
//   shown value stale and a declined erase-this a lost removal; on real threads with --preempt that
//   window is hit.)
// - the visitor runs without the map's lock, so it may call the map, except that the visitor of an
//   erasing iteration must not write the key it is being shown (it would wait for its own pin).
// - erase-this reports its outcome (Visitor::EraseResult): declined when the slot changed since it
//   was shown (erase_this_may_decline).
#ifndef MAPFAULT_MAPS_TOMBSTONE_H_
#define MAPFAULT_MAPS_TOMBSTONE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "harness/base/types.h"

namespace mapfault {

// The bug knobs of TombstoneMap, all off: the correct map. A mutant (maps/mutants/) is a struct
// deriving from this one that turns one on, and an alias of TombstoneMap over it.
struct TombstoneCorrect {
  static constexpr size_t kMinSweepBatch = 4;  // sweep when tombstones > max(this, live / 2)
  // erase sweeps without checking for running iterations (mutant.tombstone_sweep_race).
  static constexpr bool kEraseSweepsDuringIteration = false;
  static constexpr bool kKeepSpareChunks = false;  // a sweep keeps the chunks it emptied
};

template <class Sync, class Bugs = TombstoneCorrect>
class TombstoneMap {
 public:
  static constexpr size_t kChunkSlots = 16;  // slots per storage chunk (chunks never move)
  static constexpr size_t kMinSweepBatch = Bugs::kMinSweepBatch;
  static constexpr uint64_t kPoison = 0xddddddddddddddddull;

  TombstoneMap() = default;
  TombstoneMap(const TombstoneMap&) = delete;
  TombstoneMap& operator=(const TombstoneMap&) = delete;

  bool Insert(Key k, Value v) {
    return Exclusive("tombstone.lock: insert", [&](Slot*& busy) {
      return Write(k, v, /*overwrite=*/false, busy);
    });
  }

  void Assign(Key k, Value v) {
    Exclusive("tombstone.lock: assign", [&](Slot*& busy) {
      return Write(k, v, /*overwrite=*/true, busy);
    });
  }

  bool Erase(Key k) {
    return Exclusive("tombstone.lock: erase", [&](Slot*& busy) {
      Sync::Yield("tombstone.erase: look up key");
      const auto it = index_.View().find(k);
      if (it == index_.View().end() || !SlotAt(it->second).live.Get()) return false;
      Slot& s = SlotAt(it->second);
      if (!Unpinned(s)) {
        busy = &s;
        return false;
      }
      Sync::Yield("tombstone.erase: mark dead");
      Kill(s);
      MaybeSweep(/*ignore_iterations=*/Bugs::kEraseSweepsDuringIteration);
      return true;
    });
  }

  std::optional<Value> Find(Key k) {
    SharedLockGuard g(mu_, "tombstone.lock_shared: find");
    Sync::Yield("tombstone.find: look up key");
    const auto it = index_.View().find(k);
    if (it == index_.View().end() || !SlotAt(it->second).live.Get()) return std::nullopt;
    return SlotAt(it->second).value.Get();
  }

  size_t Size() {
    SharedLockGuard g(mu_, "tombstone.lock_shared: size");
    return live_.Get();
  }

  // Marks every live slot dead (at one instant: it first waits until no slot is pinned); the sweeper
  // reclaims them now, unless an iteration is running.
  void Clear() {
    Exclusive("tombstone.lock: clear", [&](Slot*& busy) {
      for (size_t i = 0; i < nslots_.Get(); ++i) {
        Slot& s = SlotAt(i);
        if (s.live.Get() && !Unpinned(s)) {
          busy = &s;
          return false;
        }
      }
      for (size_t i = 0; i < nslots_.Get(); ++i) {
        Slot& s = SlotAt(i);
        if (!s.live.Get()) continue;
        Sync::Yield("tombstone.clear: mark dead");
        Kill(s);
      }
      MaybeSweep();
      return true;
    });
  }

  void ForEach(Visitor visit, IterKind kind) {
    {
      // Registered under the lock: a sweep (exclusive) either finished before or sees the count.
      SharedLockGuard g(mu_, "tombstone.lock_shared: begin iteration");
      active_iterations_.fetch_add(1);
    }
    IterationGuard guard{active_iterations_};
    const bool pin = kind == IterKind::kMayErase;
    size_t i = 0;
    for (;;) {
      Sync::Yield("tombstone.iter: next slot");
      Slot* slot = nullptr;
      bool busy = false;
      Key k = 0;
      Value v = 0;
      uint64_t version = 0;
      {
        SharedLockGuard g(mu_, "tombstone.lock_shared: iteration step");
        while (i < nslots_.Get() && !SlotAt(i).live.Get()) ++i;  // skip tombstones
        if (i < nslots_.Get()) {
          slot = &SlotAt(i);  // stable: nothing is swept while this iteration is registered
          // An erasing iteration pins the slot (no writer holds mu_ now, so none is writing it).
          busy = pin && !slot->pin.try_lock();
          k = slot->key.Get();
          v = slot->value.Get();
          version = slot->version.Get();
        }
      }
      if (slot == nullptr) break;
      if (busy) {
        // Another erasing iteration is visiting this slot: wait for it, then read the slot again.
        slot->pin.lock("tombstone.pin: wait for another iteration's visit");
        slot->pin.unlock("tombstone.pin: release");
        continue;
      }
      const VisitAction action = visit(k, v);
      if (pin) slot->pin.unlock("tombstone.pin: unpin after visit");
      if (action == VisitAction::kEraseThis) visit.EraseResult(k, EraseIfUnchanged(*slot, version));
      if (action == VisitAction::kStop) break;
      ++i;
    }
    guard.left = true;
    if (active_iterations_.fetch_sub(1) == 1) {
      // The last iteration out sweeps what accumulated while iterations were running.
      LockGuard g(mu_, "tombstone.lock: sweep after iteration");
      MaybeSweep();
    }
  }

  // Introspection for tests.
  size_t Tombstones() {
    SharedLockGuard g(mu_, "tombstone.lock_shared: tombstones");
    return tombstones_.Get();
  }
  size_t Slots() {
    SharedLockGuard g(mu_, "tombstone.lock_shared: slots");
    return nslots_.Get();
  }
  int ActiveIterations() { return active_iterations_.load(); }
  uint64_t Sweeps() {
    SharedLockGuard g(mu_, "tombstone.lock_shared: sweeps");
    return sweeps_.Get();
  }

 private:
  template <class T>
  using Var = typename Sync::template Var<T>;

  struct Slot {
    Var<Key> key{0};
    Var<Value> value{0};
    Var<bool> live{false};
    // From a map-wide counter, set by every write of the slot: insert, assign, revive, erase.
    Var<uint64_t> version{0};
    // Held by an erasing iteration from reading the slot until its visitor returns.
    typename Sync::Mutex pin;
  };

  // Unregisters an iteration that is unwound (a controlled trial ending abnormally); the normal path
  // unregisters itself so that the last iteration out can sweep.
  struct IterationGuard {
    typename Sync::template Atomic<int>& count;
    bool left = false;
    ~IterationGuard() {
      if (!left) count.fetch_sub(1);
    }
  };

  Slot& SlotAt(size_t i) { return chunks_.View()[i / kChunkSlots][i % kChunkSlots]; }
  static void Add(Var<size_t>& counter, int delta) { counter.Set(counter.Get() + delta); }

  // Runs op(busy) holding mu_ exclusively. When op finds the slot it must write pinned by an erasing
  // iteration's visit, it sets `busy` and changes nothing; then the writer waits for the visit
  // without the lock (counted in waiting_writers_, which keeps the sweeper from moving or freeing the
  // slot) and runs op again.
  template <class Op>
  auto Exclusive(const char* label, Op op) {
    bool waited = false;
    for (;;) {
      Slot* busy = nullptr;
      {
        LockGuard g(mu_, label);
        if (waited) Add(waiting_writers_, -1);
        auto result = op(busy);
        if (busy == nullptr) return result;
        Add(waiting_writers_, +1);
      }
      busy->pin.lock("tombstone.pin: wait for the visit of this entry");
      busy->pin.unlock("tombstone.pin: release");
      waited = true;
    }
  }

  // Holding mu_ exclusively: is no erasing iteration visiting s? (Pins are only taken under the
  // shared lock, so none can be taken until the caller releases mu_.)
  static bool Unpinned(Slot& s) {
    if (!s.pin.try_lock()) return false;
    s.pin.unlock("tombstone.pin: not visited");
    return true;
  }

  void SetVersion(Slot& s) {
    next_version_.Set(next_version_.Get() + 1);
    s.version.Set(next_version_.Get());
  }

  void Kill(Slot& s) {
    s.live.Set(false);
    SetVersion(s);
    Add(live_, -1);
    Add(tombstones_, +1);
  }

  // Holding mu_ exclusively. Returns whether it wrote; sets `busy` (and writes nothing) when the
  // key's slot is pinned by a visit.
  bool Write(Key k, Value v, bool overwrite, Slot*& busy) {
    Sync::Yield("tombstone.write: look up key");
    const auto it = index_.View().find(k);
    if (it != index_.View().end()) {
      Slot& s = SlotAt(it->second);
      if (s.live.Get() && !overwrite) return false;
      if (s.live.Get()) {
        if (!Unpinned(s)) {
          busy = &s;
          return false;
        }
        Sync::Yield("tombstone.write: overwrite value");
      } else {
        // Revive the tombstone in place (a dead slot is never pinned): an iteration that already
        // passed this slot cannot meet the key again, one that has not reached it sees it once.
        Sync::Yield("tombstone.write: revive tombstone");
        s.live.Set(true);
        Add(tombstones_, -1);
        Add(live_, +1);
      }
      s.value.Set(v);
      SetVersion(s);
      return true;
    }
    Sync::Yield("tombstone.write: append slot");
    if (nslots_.Get() == chunks_.View().size() * kChunkSlots) {
      // Earlier chunks stay where they are.
      chunks_.Mut().push_back(std::make_unique<Slot[]>(kChunkSlots));
    }
    Slot& s = SlotAt(nslots_.Get());
    s.key.Set(k);
    s.value.Set(v);
    s.live.Set(true);
    SetVersion(s);
    index_.Mut()[k] = nslots_.Get();
    Add(nslots_, +1);
    Add(live_, +1);
    return true;
  }

  // The conditional erase of an entry the visitor was shown (the iteration is registered, so the
  // tombstone waits for the sweep after the last iteration).
  // Whether it erased (false: declined, the slot was erased or refreshed since it was shown).
  bool EraseIfUnchanged(Slot& s, uint64_t shown_version) {
    bool erased = false;
    Exclusive("tombstone.lock: erase-this", [&](Slot*& busy) {
      Sync::Yield("tombstone.erase-this: check version");
      // Erased or refreshed since shown.
      if (!s.live.Get() || s.version.Get() != shown_version) return false;
      if (!Unpinned(s)) {
        busy = &s;  // another erasing iteration is showing it right now
        return false;
      }
      Kill(s);
      erased = true;
      return true;
    });
    return erased;
  }

  // Holding mu_ exclusively. `ignore_iterations` is only ever true in a mutant: a sweep between two
  // steps of an iteration moves live slots from ahead of its cursor to behind it.
  void MaybeSweep(bool ignore_iterations = false) {
    if (tombstones_.Get() <= std::max(kMinSweepBatch, live_.Get() / 2)) return;
    if (waiting_writers_.Get() != 0) return;  // a writer holds a slot pointer: later
    if (!ignore_iterations && active_iterations_.load() != 0) return;  // an iteration walks: later
    Sweep();
  }

  // Holding mu_ exclusively, with no iteration registered (so no slot is pinned): compacts the live
  // slots to the front (in order), drops the tombstones from the index, poisons the vacated slots and
  // frees spare chunks.
  void Sweep() {
    size_t out = 0;
    for (size_t i = 0; i < nslots_.Get(); ++i) {
      Slot& s = SlotAt(i);
      if (!s.live.Get()) {
        Sync::Yield("tombstone.sweep: reclaim tombstone");
        index_.Mut().erase(s.key.Get());
        continue;
      }
      if (out != i) {
        Sync::Yield("tombstone.sweep: move live slot");
        Slot& d = SlotAt(out);
        d.key.Set(s.key.Get());
        d.value.Set(s.value.Get());
        d.live.Set(true);
        d.version.Set(s.version.Get());
        index_.Mut()[s.key.Get()] = out;
      }
      ++out;
    }
    for (size_t i = out; i < nslots_.Get(); ++i) {
      Slot& s = SlotAt(i);
      s.key.Set(static_cast<Key>(kPoison));
      s.value.Set(static_cast<Value>(kPoison));
      s.live.Set(false);
    }
    nslots_.Set(out);
    tombstones_.Set(0);
    sweeps_.Set(sweeps_.Get() + 1);
    if constexpr (!Bugs::kKeepSpareChunks) {
      chunks_.Mut().resize((out + kChunkSlots - 1) / kChunkSlots);
    }
  }

  typename Sync::SharedMutex mu_;
  typename Sync::template Atomic<int> active_iterations_{0};
  // Slot i is chunks_[i / kChunkSlots][i % ...]. Every field below is guarded by mu_.
  Var<std::vector<std::unique_ptr<Slot[]>>> chunks_;
  Var<std::unordered_map<Key, size_t>> index_;  // key -> slot, tombstones included
  Var<size_t> nslots_{0};
  Var<size_t> live_{0};
  Var<size_t> tombstones_{0};
  Var<size_t> waiting_writers_{0};  // writers waiting for a visit to end, holding a slot pointer
  Var<uint64_t> next_version_{0};
  Var<uint64_t> sweeps_{0};
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_TOMBSTONE_H_
