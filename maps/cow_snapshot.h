// cow_snapshot: copy-on-write. The map is an immutable snapshot (a vector of entries sorted by key,
// each stamped with the version of the write that produced it) behind a published pointer. Readers
// (find, size, iteration) acquire the current snapshot and read it with no lock held; writers
// serialise on a writer Mutex, copy the current snapshot, change the copy and publish it.
//
// Reclamation: each snapshot has a reference count (Sync::Atomic<int>); the map holds one reference
// on the published snapshot, each reader one on the snapshot it reads. A reader takes its reference
// while holding a short publish Mutex that the writer's pointer swap also takes, so the classic race
// (load the pointer, the writer swaps it and drops the last reference, then increment a freed count)
// cannot happen. Whoever drops the last reference frees the snapshot (poisoned first).
//
// Concurrency contract:
// - claims: every invariant but misuse-detected. Every operation takes effect at one instant: a
//   writer's publish, a reader's acquisition.
// - a read-only iteration shows the snapshot acquired at its start, unchanged, with no lock held:
//   every key present at that instant exactly once, with the value it had then, and nothing else,
//   whatever writers publish meanwhile.
// - an iteration that may erase (IterKind::kMayErase) walks the keys of the snapshot acquired at its
//   start, but shows each with its current value: under the publish Mutex it looks the key up in the
//   published snapshot and pins the key (a key erased since the start is skipped); until its visitor
//   returns, a writer about to publish a change of that key backs off, waits holding no lock, and
//   starts over (readers and writers of other keys do not wait). So the entry shown is current for
//   the whole visit. Showing the start-of-iteration value instead would make erase-this unsound: an
//   entry refreshed after the start but before its visit would be shown stale, and the conditional
//   erase could then only remove the refreshed entry (check-then-act) or decline a removal the
//   visitor asked for after the refresh had completed (a lost removal: linearizable,
//   quiescent-state, and in later reads no-phantom and size-bounds). The same holds without the pin
//   for a refresh landing between the lookup and the visit (real threads with --preempt hit it).
// - erase-this is a conditional erase through the writer path after the visit: the entry is removed
//   only if its version is still the one shown, so a refresh after the visit is never erased
//   (check-then-act), and a declined erase-this is always explained by a write after the visit.
// - the visitor runs without any lock, so it may call the map, except that the visitor of an erasing
//   iteration must not write the key it is being shown (it would wait for its own pin). A read-only
//   iteration shows its snapshot, so an entry its own visitor erased is still shown: in trials with
//   visitor writes iter.erase-honoured is not claimed (BackendInfo::kVisitorWritesBit).
// - erase-this reports its outcome (Visitor::EraseResult): declined when the entry changed since
//   it was shown (erase_this_may_decline).
#ifndef MAPFAULT_MAPS_COW_SNAPSHOT_H_
#define MAPFAULT_MAPS_COW_SNAPSHOT_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "harness/base/types.h"

namespace mapfault {

// The bug knobs of CowSnapshotMap, all off: the correct map. A mutant (maps/mutants/) is a struct
// deriving from this one that turns one on, and an alias of CowSnapshotMap over it.
struct CowSnapshotCorrect {
  // Writers publish the new snapshot first and fill it afterwards (mutant.cow_publish_early).
  static constexpr bool kPublishBeforeFill = false;
};

template <class Sync, class Bugs = CowSnapshotCorrect>
class CowSnapshotMap {
 public:
  static constexpr uint64_t kPoison = 0xddddddddddddddddull;

  CowSnapshotMap() { current_.store(NewSnapshot().release()); }
  ~CowSnapshotMap() { Release(current_.load()); }  // readers are gone: this frees it
  CowSnapshotMap(const CowSnapshotMap&) = delete;
  CowSnapshotMap& operator=(const CowSnapshotMap&) = delete;

  bool Insert(Key k, Value v) {
    return Write("cow.writer_lock: insert", [&](Pin*& busy) {
      Snapshot* cur = current_.load();  // only writers replace it, and we hold writer_mu_
      if (cur->Find(k) != nullptr) return false;
      return PublishCopy(*cur, k, v, busy);
    });
  }

  void Assign(Key k, Value v) {
    Write("cow.writer_lock: assign", [&](Pin*& busy) {
      return PublishCopy(*current_.load(), k, v, busy);
    });
  }

  bool Erase(Key k) {
    return Write("cow.writer_lock: erase", [&](Pin*& busy) {
      Snapshot* cur = current_.load();
      if (cur->Find(k) == nullptr) return false;
      return PublishCopy(*cur, k, std::nullopt, busy);
    });
  }

  std::optional<Value> Find(Key k) {
    SnapshotRef s(*this, Acquire("cow.publish_lock: find"));
    Sync::Yield("cow.find: search snapshot");
    const Entry* e = s->Find(k);
    return e == nullptr ? std::nullopt : std::optional<Value>(e->value);
  }

  size_t Size() {
    SnapshotRef s(*this, Acquire("cow.publish_lock: size"));
    return s->entries.View().size();
  }

  void Clear() {
    Write("cow.writer_lock: clear", [&](Pin*& busy) {
      if (current_.load()->entries.View().empty()) return false;
      return TryPublish(NewSnapshot(), std::nullopt, busy);
    });
  }

  void ForEach(Visitor visit, IterKind kind) {
    SnapshotRef snap(*this, Acquire("cow.publish_lock: iteration snapshot"));
    Pin* const pin = kind == IterKind::kMayErase ? TakePin() : nullptr;
    for (const Entry& e : snap->entries.View()) {
      Sync::Yield("cow.iter: next entry");
      Entry shown = e;
      if (pin != nullptr && !PinCurrent(pin, e.key, shown)) continue;  // erased since the start
      const VisitAction action = visit(shown.key, shown.value);
      if (pin != nullptr) Unpin(pin);
      if (action == VisitAction::kEraseThis) {
        visit.EraseResult(shown.key, EraseIfUnchanged(shown.key, shown.version));
      }
      if (action == VisitAction::kStop) break;
    }
    if (pin != nullptr) ReturnPin(pin);
  }

  // Introspection for tests: snapshots allocated and not yet freed (the published one included).
  int LiveSnapshots() const { return live_snapshots_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    Key key;
    Value value;
    uint64_t version;  // of the write that produced this entry; unique per write
  };

  struct Snapshot {
    explicit Snapshot(std::atomic<int>& live) : live(live) {
      live.fetch_add(1, std::memory_order_relaxed);
    }
    ~Snapshot() { live.fetch_sub(1, std::memory_order_relaxed); }
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;

    const Entry* Find(Key k) const {
      const std::vector<Entry>& all = entries.View();
      const auto it = std::lower_bound(all.begin(), all.end(), k,
                                       [](const Entry& e, Key key) { return e.key < key; });
      return it != all.end() && it->key == k ? &*it : nullptr;
    }

    // Sorted by key; immutable once published (a Var: a write after the publish races with the
    // readers that acquired it).
    typename Sync::template Var<std::vector<Entry>> entries;
    typename Sync::template Atomic<int> refs{1};
    std::atomic<int>& live;  // the map's count of allocated snapshots (tests only)
  };

  // An erasing iteration's pin: owned by one iteration at a time, it marks the key being shown
  // (`active`), and `mu` is held from the lookup until the visitor returns, so that a writer of that
  // key can wait for the visit by locking it. `mu` is only ever locked by a thread that holds no other
  // lock of the map. Pins are reused, never freed before the map, so a waiter's pointer stays valid (a
  // reused pin at worst makes it wait for an unrelated visit, then look again).
  struct Pin {
    typename Sync::Mutex mu;
    typename Sync::template Var<Key> key{0};         // guarded by publish_mu_
    typename Sync::template Var<bool> active{false};  // guarded by publish_mu_
    typename Sync::template Var<bool> owned{false};   // guarded by publish_mu_
  };

  // One counted reference to a snapshot, released on scope exit (also when a controlled trial that
  // ends abnormally unwinds the thread: a release is only an atomic decrement, never a yield).
  class SnapshotRef {
   public:
    SnapshotRef(CowSnapshotMap& map, Snapshot* s) : map_(map), s_(s) {}
    ~SnapshotRef() { map_.Release(s_); }
    SnapshotRef(const SnapshotRef&) = delete;
    SnapshotRef& operator=(const SnapshotRef&) = delete;
    const Snapshot* operator->() const { return s_; }

   private:
    CowSnapshotMap& map_;
    Snapshot* s_;
  };

  std::unique_ptr<Snapshot> NewSnapshot() { return std::make_unique<Snapshot>(live_snapshots_); }

  // A new reference to the published snapshot. The pointer is loaded and the count incremented under
  // publish_mu_, which the writer's swap also holds: the snapshot cannot be dropped in between.
  Snapshot* Acquire(const char* label) {
    LockGuard g(publish_mu_, label);
    Snapshot* s = current_.load();
    s->refs.fetch_add(1);
    return s;
  }

  void Release(Snapshot* s) {
    if (s->refs.fetch_sub(1) != 1) return;
    // The last reference: no one can reach it any more (it is no longer published, or the map is
    // being destroyed). Poisoned first, so a use after free reads 0xdd... rather than plausible keys.
    for (Entry& e : s->entries.Mut()) {
      e = Entry{static_cast<Key>(kPoison), static_cast<Value>(kPoison), 0};
    }
    delete s;
  }

  // Runs op(busy) holding writer_mu_. When op's publish finds the key pinned by an erasing
  // iteration's visit, it sets `busy` and changes nothing; then the writer waits for the visit
  // holding no lock (so a visitor may write other keys) and runs op again from the start.
  template <class Op>
  auto Write(const char* label, Op op) {
    for (;;) {
      Pin* busy = nullptr;
      {
        LockGuard g(writer_mu_, label);
        auto result = op(busy);
        if (busy == nullptr) return result;
      }
      busy->mu.lock("cow.pin: writer waits for the visit of this entry");
      busy->mu.unlock("cow.pin: release");
    }
  }

  // Holding publish_mu_: the active pin of key k (of any key when k is nullopt), or nullptr.
  Pin* ActivePin(std::optional<Key> k) {
    for (const std::unique_ptr<Pin>& p : pins_.View()) {
      if (p->active.Get() && (!k || p->key.Get() == *k)) return p.get();
    }
    return nullptr;
  }

  // Holding writer_mu_: publishes `next` unless an erasing iteration is showing `key` (any key when
  // nullopt: clear); then sets `busy` and drops `next`. Publishing drops the map's reference to the
  // snapshot it replaces (readers still holding that one keep it alive; the last of them frees it).
  bool TryPublish(std::unique_ptr<Snapshot> next, std::optional<Key> key, Pin*& busy) {
    Sync::Yield("cow.write: publish");
    Snapshot* old;
    {
      LockGuard g(publish_mu_, "cow.publish_lock: swap");
      busy = ActivePin(key);
      if (busy != nullptr) return false;
      old = current_.load();
      current_.store(next.release());
    }
    Release(old);
    return true;
  }

  Pin* TakePin() {
    LockGuard g(publish_mu_, "cow.publish_lock: take pin");
    for (const std::unique_ptr<Pin>& p : pins_.View()) {
      if (!p->owned.Get()) {
        p->owned.Set(true);
        return p.get();
      }
    }
    std::vector<std::unique_ptr<Pin>>& pins = pins_.Mut();
    pins.push_back(std::make_unique<Pin>());
    pins.back()->owned.Set(true);
    return pins.back().get();
  }

  void ReturnPin(Pin* pin) {
    LockGuard g(publish_mu_, "cow.publish_lock: return pin");
    pin->owned.Set(false);
  }

  // For an erasing iteration: copies the current entry of key k into `shown` and pins k until Unpin;
  // false (nothing pinned) when k is absent now.
  bool PinCurrent(Pin* pin, Key k, Entry& shown) {
    for (;;) {
      pin->mu.lock("cow.pin: hold for the visit");  // before publish_mu_, never under it
      Pin* busy;
      {
        LockGuard g(publish_mu_, "cow.publish_lock: pin entry");
        busy = ActivePin(k);
        if (busy == nullptr) {
          const Entry* e = current_.load()->Find(k);
          if (e != nullptr) {
            shown = *e;  // a copy: the published snapshot may be replaced (by writes of other keys)
            pin->key.Set(k);
            pin->active.Set(true);
            return true;
          }
        }
      }
      pin->mu.unlock("cow.pin: release");
      if (busy == nullptr) return false;
      // Another erasing iteration is showing k: wait for its visit, then look again.
      busy->mu.lock("cow.pin: wait for another iteration's visit");
      busy->mu.unlock("cow.pin: release");
    }
  }

  void Unpin(Pin* pin) {
    {
      LockGuard g(publish_mu_, "cow.publish_lock: unpin");
      pin->active.Set(false);
    }
    pin->mu.unlock("cow.pin: unpin after visit");
  }

  // Holding writer_mu_: publishes a copy of `cur` with k set to *v (without k when v is nullopt)
  // unless an erasing iteration is showing k (then sets `busy`, see TryPublish).
  bool PublishCopy(Snapshot& cur, Key k, std::optional<Value> v, Pin*& busy) {
    if constexpr (Bugs::kPublishBeforeFill) {
      return PublishThenFill(cur, k, v, busy);
    } else {
      return TryPublish(Copy(cur, k, v), k, busy);
    }
  }

  // Holding writer_mu_: a copy of `cur` with k set to *v, or without k when v is nullopt.
  std::unique_ptr<Snapshot> Copy(const Snapshot& cur, Key k, std::optional<Value> v) {
    Sync::Yield("cow.write: copy snapshot");
    std::unique_ptr<Snapshot> next = NewSnapshot();
    std::vector<Entry>& entries = next->entries.Mut();
    entries.reserve(cur.entries.View().size() + (v ? 1 : 0));
    const Entry fresh{k, v.value_or(0), v ? NextVersion() : 0};
    CopyEntries(cur, k, v ? &fresh : nullptr, entries, /*yield_each=*/false);
    return next;
  }

  // Appends cur's entries to `out`, in key order, with k's entry replaced by (or `fresh` inserted
  // as) *fresh, or removed when fresh is null. `yield_each`: a scheduling point before each entry.
  static void CopyEntries(const Snapshot& cur, Key k, const Entry* fresh, std::vector<Entry>& out,
                          bool yield_each) {
    bool placed = fresh == nullptr;
    for (const Entry& e : cur.entries.View()) {
      if (yield_each) Sync::Yield("cow.write: copy entry (into the published snapshot)");
      if (!placed && e.key >= k) {
        out.push_back(*fresh);
        placed = true;
        if (e.key == k) continue;  // replaced
      }
      if (fresh == nullptr && e.key == k) continue;  // removed
      out.push_back(e);
    }
    if (!placed) out.push_back(*fresh);
  }

  // The writer of mutant.cow_publish_early (Bugs::kPublishBeforeFill), never of the correct map: it
  // publishes the new snapshot as soon as it is allocated and fills it afterwards ("the copy is ours:
  // we hold writer_mu_"), while readers that acquired it are already reading it.
  bool PublishThenFill(Snapshot& cur, Key k, std::optional<Value> v, Pin*& busy) {
    cur.refs.fetch_add(1);  // keeps the source alive while it is copied after the publish ...
    const SnapshotRef source(*this, &cur);  // ... and drops it after, also when a trial unwinds
    std::unique_ptr<Snapshot> next = NewSnapshot();
    next->entries.Mut().reserve(cur.entries.View().size() + 1);  // filled in place: never moves
    Snapshot* s = next.get();  // the map's reference keeps it alive; writer_mu_ keeps it published
    const bool published = TryPublish(std::move(next), k, busy);
    if (published) {
      const Entry fresh{k, v.value_or(0), v ? NextVersion() : 0};
      CopyEntries(cur, k, v ? &fresh : nullptr, s->entries.Mut(), /*yield_each=*/true);
    }
    return published;
  }

  // Holding writer_mu_: a version no write has had.
  uint64_t NextVersion() {
    next_version_.Set(next_version_.Get() + 1);
    return next_version_.Get();
  }

  // The conditional erase of an entry the visitor was shown: through the writer path, and only if the
  // key still holds the entry of that version.
  // Whether it erased (false: declined, the entry was erased or refreshed since it was shown).
  bool EraseIfUnchanged(Key k, uint64_t shown_version) {
    bool erased = false;
    Write("cow.writer_lock: erase-this", [&](Pin*& busy) {
      Snapshot* cur = current_.load();
      const Entry* e = cur->Find(k);
      if (e == nullptr || e->version != shown_version) return false;  // erased or refreshed
      erased = PublishCopy(*cur, k, std::nullopt, busy);
      return erased;
    });
    return erased;
  }

  // Lock order: writer_mu_ before publish_mu_; a pin's mu is only locked while holding neither (a
  // pinned visitor then takes publish_mu_ or writer_mu_ after it, never the other way round).
  typename Sync::Mutex writer_mu_;   // serialises writers (copy, modify, publish)
  typename Sync::Mutex publish_mu_;  // guards the pointer swap against load-and-reference, and pins_
  typename Sync::template Atomic<Snapshot*> current_{nullptr};
  typename Sync::template Var<std::vector<std::unique_ptr<Pin>>> pins_;  // guarded by publish_mu_
  typename Sync::template Var<uint64_t> next_version_{0};               // guarded by writer_mu_
  std::atomic<int> live_snapshots_{0};  // instrumentation for tests only (no ordering relied on)
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_COW_SNAPSHOT_H_
