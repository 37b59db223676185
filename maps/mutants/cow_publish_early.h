// Mutant cow_publish_early: the copy-on-write map whose writers publish the new snapshot before they
// have finished changing it.
//
// Correct version: `cow_snapshot` (maps/cow_snapshot.h): a writer copies the current snapshot,
// applies its change to the copy, and only then publishes it; a published snapshot is immutable, so
// a reader can walk it with no lock. This file is a copy of cow_snapshot.h (as of this mutant; its
// internals are private, so a subclass cannot reach them) with the writers' copy-change-publish
// replaced by publish-then-copy (PublishThenCopy below).
//
// What is wrong: unsafe publication. The writer allocates the new snapshot, publishes it at once,
// and only then copies the entries into it, applying its change on the way ("the copy is ours: we
// hold the writer lock, nobody else writes it"). A reader that acquires the snapshot in between
// reads a snapshot still being filled: an iteration ends after the entries copied so far, a find's
// binary search misses a key that is there, size() counts too few. (The vector is reserved up front
// and filled in place, so the reader's memory stays valid: the bug is a logic bug.)
//
// Breaks: iter.no-missed-stable (an iteration of a half-filled snapshot misses entries that were
// present throughout), size-bounds, linearizable (find).
// Witness: snapshot-read (size, iteration and size again while the writer assigns, erases and
// re-inserts).
//
// Depth 2 (PCT): the reader must acquire the snapshot after the publish (1) and read it before the
// copy is complete (2): one priority change point inside the writer's copy loop, after which the
// reader runs to completion.
#ifndef MAPFAULT_MAPS_MUTANTS_COW_PUBLISH_EARLY_H_
#define MAPFAULT_MAPS_MUTANTS_COW_PUBLISH_EARLY_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "harness/base/types.h"

namespace mapfault {

template <class Sync>
class CowPublishEarlyMap {
 public:
  static constexpr uint64_t kPoison = 0xddddddddddddddddull;

  CowPublishEarlyMap() { current_.store(NewSnapshot().release()); }
  ~CowPublishEarlyMap() { Release(current_.load()); }  // readers are gone: this frees it
  CowPublishEarlyMap(const CowPublishEarlyMap&) = delete;
  CowPublishEarlyMap& operator=(const CowPublishEarlyMap&) = delete;

  bool Insert(Key k, Value v) {
    LockGuard g(writer_mu_, "cow_publish_early.writer_lock: insert");
    Snapshot* cur = current_.load();  // only writers replace it, and we hold writer_mu_
    if (cur->Find(k) != nullptr) return false;
    PublishThenCopy(*cur, k, v, /*erase=*/false);
    return true;
  }

  void Assign(Key k, Value v) {
    LockGuard g(writer_mu_, "cow_publish_early.writer_lock: assign");
    PublishThenCopy(*current_.load(), k, v, /*erase=*/false);
  }

  bool Erase(Key k) {
    LockGuard g(writer_mu_, "cow_publish_early.writer_lock: erase");
    Snapshot* cur = current_.load();
    if (cur->Find(k) == nullptr) return false;
    PublishThenCopy(*cur, k, 0, /*erase=*/true);
    return true;
  }

  std::optional<Value> Find(Key k) {
    SnapshotRef s(*this, Acquire("cow_publish_early.publish_lock: find"));
    Sync::Yield("cow_publish_early.find: search snapshot");
    const Entry* e = s->Find(k);
    return e == nullptr ? std::nullopt : std::optional<Value>(e->value);
  }

  size_t Size() {
    SnapshotRef s(*this, Acquire("cow_publish_early.publish_lock: size"));
    return s->entries.size();
  }

  void Clear() {
    LockGuard g(writer_mu_, "cow_publish_early.writer_lock: clear");
    if (current_.load()->entries.empty()) return;
    Publish(NewSnapshot(), std::nullopt);
  }

  void ForEach(Visitor visit, IterKind kind) {
    SnapshotRef snap(*this, Acquire("cow_publish_early.publish_lock: iteration snapshot"));
    for (const Entry& e : snap->entries) {
      Sync::Yield("cow_publish_early.iter: next entry");
      Entry shown = e;
      Pin* pin = nullptr;
      if (kind == IterKind::kMayErase) {
        pin = PinCurrent(e.key, shown);
        if (pin == nullptr) continue;  // erased since the iteration began
      }
      const VisitAction action = visit(shown.key, shown.value);
      if (pin != nullptr) Unpin(pin);
      if (action == VisitAction::kEraseThis) EraseIfUnchanged(shown.key, shown.version);
      if (action == VisitAction::kStop) return;
    }
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
    std::vector<Entry> entries;  // sorted by key; "immutable once published" (see the BUG)
    typename Sync::template Atomic<int> refs{1};

    const Entry* Find(Key k) const {
      const auto it = std::lower_bound(entries.begin(), entries.end(), k,
                                       [](const Entry& e, Key key) { return e.key < key; });
      return it != entries.end() && it->key == k ? &*it : nullptr;
    }
  };

  // A key being shown by an erasing iteration. `mu` is held from the lookup until the visitor
  // returns; writers wait on it. Pins are reused, never freed before the map, so a waiter's pointer
  // stays valid (a reused pin at worst makes it wait for an unrelated visit, then look again).
  struct Pin {
    typename Sync::Mutex mu;
    Key key = 0;
    bool active = false;  // guarded by publish_mu_
  };

  // One counted reference to a snapshot, released on scope exit (also when a controlled trial that
  // ends abnormally unwinds the thread: a release is only an atomic decrement, never a yield).
  class SnapshotRef {
   public:
    SnapshotRef(CowPublishEarlyMap& map, Snapshot* s) : map_(map), s_(s) {}
    ~SnapshotRef() {
      if (s_ != nullptr) map_.Release(s_);
    }
    SnapshotRef(const SnapshotRef&) = delete;
    SnapshotRef& operator=(const SnapshotRef&) = delete;
    const Snapshot* operator->() const { return s_; }

   private:
    CowPublishEarlyMap& map_;
    Snapshot* s_;
  };

  std::unique_ptr<Snapshot> NewSnapshot() {
    live_snapshots_.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique<Snapshot>();
  }

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
    for (Entry& e : s->entries) e = Entry{static_cast<Key>(kPoison), static_cast<Value>(kPoison), 0};
    delete s;
    live_snapshots_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Holding publish_mu_: the active pin of key k (of any key when k is nullopt), or nullptr.
  Pin* ActivePin(std::optional<Key> k) {
    for (const std::unique_ptr<Pin>& p : pins_) {
      if (p->active && (!k || p->key == *k)) return p.get();
    }
    return nullptr;
  }

  static void WaitForVisit(Pin* p, const char* label) {
    p->mu.lock(label);
    p->mu.unlock("cow_publish_early.pin: release");
  }

  // Holding writer_mu_: publishes `next` once no erasing iteration is showing `key` (any key when
  // nullopt), and drops the map's reference to the snapshot it replaces (readers still holding that
  // one keep it alive; the last of them frees it). `next` stays a valid successor while it waits:
  // only writers replace the published snapshot, and we hold writer_mu_.
  void Publish(std::unique_ptr<Snapshot> next, std::optional<Key> key) {
    Sync::Yield("cow_publish_early.write: publish");
    for (;;) {
      Pin* busy;
      Snapshot* old = nullptr;
      {
        LockGuard g(publish_mu_, "cow_publish_early.publish_lock: swap");
        busy = ActivePin(key);
        if (busy == nullptr) {
          old = current_.load();
          current_.store(next.release());
        }
      }
      if (busy == nullptr) {
        Release(old);
        return;
      }
      WaitForVisit(busy, "cow_publish_early.pin: writer waits for the visit of this entry");
    }
  }

  // For an erasing iteration: the current entry of key k (into `shown`), pinned until Unpin; nullptr
  // (and nothing pinned) when k is absent now.
  Pin* PinCurrent(Key k, Entry& shown) {
    for (;;) {
      Pin* busy;
      {
        LockGuard g(publish_mu_, "cow_publish_early.publish_lock: pin entry");
        busy = ActivePin(k);
        if (busy == nullptr) {
          const Entry* e = current_.load()->Find(k);
          if (e == nullptr) return nullptr;
          shown = *e;  // a copy: the published snapshot may be replaced (by writes of other keys)
          Pin* pin = FreePin();
          pin->key = k;
          pin->active = true;
          return pin;
        }
      }
      // Another erasing iteration is showing k: wait for its visit, then look again.
      WaitForVisit(busy, "cow_publish_early.pin: wait for another iteration's visit");
    }
  }

  // Holding publish_mu_: an inactive pin, locked by the caller. (An inactive pin can still be held
  // briefly by a waiter passing through it; try_lock skips those.)
  Pin* FreePin() {
    for (const std::unique_ptr<Pin>& p : pins_) {
      if (!p->active && p->mu.try_lock()) return p.get();
    }
    pins_.push_back(std::make_unique<Pin>());
    Pin* p = pins_.back().get();
    p->mu.lock("cow_publish_early.pin: take new pin");
    return p;
  }

  void Unpin(Pin* p) {
    {
      LockGuard g(publish_mu_, "cow_publish_early.publish_lock: unpin");
      p->active = false;
    }
    p->mu.unlock("cow_publish_early.pin: unpin after visit");
  }

  // Holding writer_mu_: replaces the published snapshot by a copy of `cur` with k set to v (`erase`
  // false) or without k (`erase` true). BUG: the new snapshot is published as soon as it is
  // allocated, and filled afterwards ("the copy is ours: we hold the writer lock, nobody else writes
  // it"), while readers that acquired it are already reading it.
  void PublishThenCopy(Snapshot& cur, Key k, Value v, bool erase) {
    cur.refs.fetch_add(1);  // keeps the source alive while it is copied after the publish
    std::unique_ptr<Snapshot> next = NewSnapshot();
    next->entries.reserve(cur.entries.size() + 1);  // filled in place: never reallocated
    Snapshot* s = next.get();  // the map's reference keeps it alive; writer_mu_ keeps it published
    Publish(std::move(next), k);
    std::vector<Entry>& out = s->entries;
    const Entry fresh{k, v, erase ? 0 : ++next_version_};
    bool placed = erase;
    for (const Entry& e : cur.entries) {
      Sync::Yield("cow_publish_early.write: copy entry (into the published snapshot)");
      if (!placed && e.key >= k) {
        out.push_back(fresh);
        placed = true;
        if (e.key == k) continue;  // replaced
      }
      if (erase && e.key == k) continue;  // removed
      out.push_back(e);
    }
    if (!placed) out.push_back(fresh);
    Release(&cur);
  }

  // The conditional erase of an entry the visitor was shown: through the writer path, and only if the
  // key still holds the entry of that version.
  void EraseIfUnchanged(Key k, uint64_t shown_version) {
    LockGuard g(writer_mu_, "cow_publish_early.writer_lock: erase-this");
    Snapshot* cur = current_.load();
    const Entry* e = cur->Find(k);
    if (e == nullptr || e->version != shown_version) return;  // erased or refreshed since shown
    PublishThenCopy(*cur, k, 0, /*erase=*/true);
  }

  typename Sync::Mutex writer_mu_;   // serialises writers (copy, modify, publish)
  typename Sync::Mutex publish_mu_;  // guards the pointer swap against load-and-reference, and pins_
  typename Sync::template Atomic<Snapshot*> current_{nullptr};
  std::vector<std::unique_ptr<Pin>> pins_;  // guarded by publish_mu_
  uint64_t next_version_ = 0;               // guarded by writer_mu_
  std::atomic<int> live_snapshots_{0};  // instrumentation for tests only (no ordering relied on)
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_COW_PUBLISH_EARLY_H_
