// lockfree: a lock-free hash map, split-ordered lists (Shalev & Shavit, JACM 2006) over a
// Harris/Michael list with marked links, with epoch-based reclamation (maps/epoch_reclaim.h). Every
// layer, reclamation included, goes through Sync, so controlled trials explore all of it.
//
// Concurrency contract (a USAGE FAQ, as folly's ConcurrentHashMap has):
// - Is anything locked? No. Every operation is lock-free: one sorted list holds every entry in
//   split order (bit-reversed hash); the buckets are shortcuts into it (dummy nodes, created lazily
//   from their parent bucket, in a two-level directory of atomic pointers). Growth doubles the
//   bucket count with one CAS once the load factor is exceeded; no node ever moves.
// - A node's key is immutable; its value lives in an immutable cell the node points to (assign
//   swaps the cell with a CAS). Erase is two marks: the cell pointer's low bit (the entry is gone:
//   the linearization point), then the next link's low bit (no insertion after it), then any thread
//   that meets the node unlinks it (Harris's helping) and retires it. Nodes and cells are freed
//   only after an epoch grace period, into per-thread pools that poison freed memory (0xdd...) as
//   chained_table's pool does, so a use-after-free reads poison or faults deterministically.
// - Single-key operations are linearizable; size() counts the live nodes in one traversal (so it
//   lies between the entries present throughout it and those present at some instant of it).
// - Is iterating while other threads insert, assign, erase or clear safe? Yes. for_each is WEAKLY
//   CONSISTENT: it walks the list once, pinned. Every entry present throughout the iteration is
//   shown exactly once (nodes never move, and a traversal from an unlinked node still reaches every
//   later node that stayed); an entry inserted or erased during it at most once, also when it is
//   erased and re-inserted (the list is sorted: the new node is behind the iterator); each shown
//   value was the entry's value when its cell was read (reported as the read point; a concurrent
//   write may land before the visit).
// - Erase-this: marks the node's cell only if it still holds the cell that was read; otherwise it
//   declines (the entry changed or went), and reports which (Visitor::EraseResult).
// - Visitor writes: allowed. The visitor runs with no lock held (pins nest).
// - claims: everything but misuse-detected, unconditionally. Meant for both memory models: every
//   plain shared field is a Sync::Var ordered by the edges below (ThreadSanitizer agrees on real
//   threads; the controlled c11 check waits for the happens-before engine).
//
// Memory orders (the policy's, so the mutants in maps/mutants/lockfree_mutants.h can weaken them):
// a node or bucket dummy is initialised with relaxed stores and published by a release CAS
// (kPublish); traversal loads of links are acquire (kTraverse); cells are published by acq_rel CAS
// and read by acquire loads; unlinking CASes and the mark fetch_ors are acq_rel (they hand on a
// pointer another thread published: release keeps the chain of happens-before for the next reader).
#ifndef MAPFAULT_MAPS_LOCKFREE_H_
#define MAPFAULT_MAPS_LOCKFREE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

#include "harness/base/rng.h"
#include "harness/base/types.h"
#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "maps/epoch_reclaim.h"
#include "maps/node_arena.h"

namespace mapfault {

// The correct map's policy. A mutant (maps/mutants/lockfree_mutants.h) derives and overrides one.
struct LockFreeCorrect {
  // Success order of the CAS that links a fresh node (or bucket dummy) into the list.
  static constexpr std::memory_order kPublish = std::memory_order_release;
  // Order of the traversal loads of `next` links.
  static constexpr std::memory_order kTraverse = std::memory_order_acquire;
  // Reclamation bugs, instead of retiring: the unlinking thread frees the node (poisoned) when its
  // own operation ends, or recycles it (and a cell assign replaced) at once into its pool (not
  // poisoned: reused next).
  static constexpr bool kFreeAtUnlink = false;
  static constexpr bool kRecycleAtUnlink = false;
};

template <class Sync, class Policy = LockFreeCorrect>
class LockFreeMap {
 public:
  static constexpr uintptr_t kPoison = 0xddddddddddddddddull;
  static constexpr size_t kSegmentSize = 64;  // directory entries per segment
  static constexpr size_t kSegments = 256;    // at most 16384 buckets
  static constexpr size_t kInitialBuckets = 2;
  static constexpr int64_t kMaxLoad = 2;  // grow when entries > buckets * kMaxLoad

  LockFreeMap() {
    const int slot = domain_.Slot();
    Node* head = pools_[slot].TakeNode();
    InitNode(head, DummyOrder(0), 0, 0, 0);
    Entry(0).store(head, std::memory_order_release);
    head_ = head;
  }
  ~LockFreeMap() {
    for (auto& s : segments_) delete s.load(std::memory_order_relaxed);
  }
  LockFreeMap(const LockFreeMap&) = delete;
  LockFreeMap& operator=(const LockFreeMap&) = delete;

  // Introspection for tests: the current bucket count (a power of two).
  size_t BucketCount() const { return buckets_.load(std::memory_order_relaxed); }

  void ThreadAttach() { domain_.Slot(); }
  void ThreadDetach() { domain_.Detach(); }

  bool Insert(Key k, Value v) {
    Guard g(*this);
    const Target t = TargetOf(k);
    Node* head = BucketFor(t.hash, g.slot());
    Node* node = nullptr;
    for (;;) {
      const Position pos = Search(head, t, g.slot());
      if (pos.found) {
        if (node != nullptr) Discard(g.slot(), node);
        return false;
      }
      if (node == nullptr) node = NewEntry(g.slot(), t, v);
      if (Link(pos, node)) break;
    }
    CountInsert();
    return true;
  }

  void Assign(Key k, Value v) {
    Guard g(*this);
    const Target t = TargetOf(k);
    Node* head = BucketFor(t.hash, g.slot());
    Cell* cell = NewCell(g.slot(), v);
    for (;;) {
      const Position pos = Search(head, t, g.slot());
      if (pos.found) {
        uintptr_t expected = pos.cell;
        if (pos.curr->cell.compare_exchange_strong(expected, AsWord(cell),
                                                   std::memory_order_acq_rel,
                                                   std::memory_order_relaxed)) {
          RetireCell(g.slot(), AsCell(pos.cell));  // readers may still hold the old value
          return;
        }
        continue;  // the entry changed or went: search again
      }
      Node* node = pools_[g.slot()].TakeNode();
      InitNode(node, t.order, k, AsWord(cell), AsWord(pos.curr));
      if (Link(pos, node)) {
        CountInsert();
        return;
      }
      pools_[g.slot()].ReleaseNode(node);  // never published: no grace period needed
    }
  }

  bool Erase(Key k) {
    Guard g(*this);
    const Target t = TargetOf(k);
    Node* head = BucketFor(t.hash, g.slot());
    for (;;) {
      const Position pos = Search(head, t, g.slot());
      if (!pos.found) return false;
      if (MarkErased(pos.curr, pos.cell, head, t, g.slot())) return true;
    }
  }

  std::optional<Value> Find(Key k) {
    Guard g(*this);
    const Target t = TargetOf(k);
    const Position pos = Search(BucketFor(t.hash, g.slot()), t, g.slot());
    if (!pos.found) return std::nullopt;
    return AsCell(pos.cell)->value.Get();  // the cell Search saw unmarked: present then
  }

  size_t Size() {
    Guard g(*this);
    size_t n = 0;
    for (Node* x = AsNode(head_->next.load(Policy::kTraverse)); x != nullptr;
         x = AsNode(x->next.load(Policy::kTraverse))) {
      if (IsRegular(x->order.Get()) && !Marked(x->cell.load(std::memory_order_acquire))) ++n;
    }
    return n;
  }

  // Erases every entry it meets, one at a time (each removal is its own linearization point).
  void Clear() {
    Guard g(*this);
    for (Node* x = AsNode(head_->next.load(Policy::kTraverse)); x != nullptr;
         x = AsNode(x->next.load(Policy::kTraverse))) {
      if (!IsRegular(x->order.Get())) continue;
      const uintptr_t c = x->cell.load(std::memory_order_acquire);
      if (!Marked(c)) MarkErased(x, c, nullptr, {}, g.slot());
    }
    const Target end{0, ~uint64_t{0}, std::numeric_limits<Key>::max()};
    Search(head_, end, g.slot());  // a search past the last node unlinks every marked one
  }

  void ForEach(Visitor visit, IterKind) {
    Guard g(*this);
    for (Node* n = AsNode(head_->next.load(Policy::kTraverse)); n != nullptr;
         n = AsNode(n->next.load(Policy::kTraverse))) {
      if (!IsRegular(n->order.Get())) continue;  // a bucket dummy
      const uintptr_t c = n->cell.load(std::memory_order_acquire);
      if (Marked(c)) continue;  // erased
      const Key k = n->key.Get();
      const Value v = AsCell(c)->value.Get();
      visit.ReadPoint();
      Sync::Yield("lockfree.iter: visit the entry read (a writer may land first)");
      const VisitAction action = visit(k, v);
      if (action == VisitAction::kEraseThis) {
        const Target t = TargetOf(k);
        visit.EraseResult(k, MarkErased(n, c, BucketFor(t.hash, g.slot()), t, g.slot()));
      }
      if (action == VisitAction::kStop) return;
    }
  }

 private:
  struct Cell {
    typename Sync::template Var<Value> value;
    Cell* free_next = nullptr;  // pool free list (the owning slot only)
    bool freed = false;
  };
  struct Node {
    typename Sync::template Var<uint64_t> order;  // split order: bit-reversed hash, LSB 1: entry
    typename Sync::template Var<Key> key;
    typename Sync::template Atomic<uintptr_t> cell{0};  // Cell*; low bit: erased
    typename Sync::template Atomic<uintptr_t> next{0};  // Node*; low bit: being unlinked
    Node* free_next = nullptr;                          // pool free list (the owning slot only)
    bool freed = false;
  };
  using LinkWord = typename Sync::template Atomic<uintptr_t>;
  struct Segment {
    std::array<typename Sync::template Atomic<Node*>, kSegmentSize> entries{};
  };
  struct Target {
    uint64_t hash;
    uint64_t order;
    Key key;
  };
  // Where a key belongs: the link `prev` that points to `curr`, the first node not below the
  // target (nullptr at the end); `found`: curr is the target, its cell `cell` seen unmarked.
  struct Position {
    LinkWord* prev;
    Node* curr;
    uintptr_t cell;
    bool found;
  };
  enum RetiredKind : uint8_t { kNodeKind, kCellKind };

  // The pin of one operation (EpochGuard), plus the early-reclaim bug's free when the outermost
  // operation of the thread ends.
  class Guard {
   public:
    explicit Guard(LockFreeMap& m) : map_(m), pin_(m.domain_) {}
    ~Guard() {
      if constexpr (Policy::kFreeAtUnlink) {
        if (map_.domain_.Depth(slot()) > 1) return;
        for (Node* n : map_.unlinked_[slot()]) map_.FreeRetired({n, kNodeKind, 0}, slot());
        map_.unlinked_[slot()].clear();
      }
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    int slot() const { return pin_.slot(); }

   private:
    LockFreeMap& map_;
    EpochGuard<Sync> pin_;
  };

  // Per-slot pools (debug heap: poison on free, a short quarantine, double-free detection).
  class Pools {
   public:
    Node* TakeNode() {
      Node* n = nodes_.Take();
      n->freed = false;
      return n;
    }
    Cell* TakeCell() {
      Cell* c = cells_.Take();
      c->freed = false;
      return c;
    }
    void ReleaseNode(Node* n) { nodes_.Release(n); }
    void ReleaseCell(Cell* c) { cells_.Release(c); }
    void FreeNode(Node* n) {
      CheckNotFreed(n->freed);
      n->order.Set(kPoison);
      n->key.Set(static_cast<Key>(kPoison));
      n->cell.store(kPoison, std::memory_order_relaxed);
      n->next.store(kPoison, std::memory_order_relaxed);
      n->freed = true;
      Quarantine(node_quarantine_, n, nodes_);
    }
    void FreeCell(Cell* c) {
      CheckNotFreed(c->freed);
      c->value.Set(static_cast<Value>(kPoison));
      c->freed = true;
      Quarantine(cell_quarantine_, c, cells_);
    }

   private:
    static constexpr size_t kQuarantine = 4;  // recently freed memory stays poisoned a while
    static void CheckNotFreed(bool freed) {
      if (!freed) return;
      std::fputs("lockfree node pool: double free detected\n", stderr);
      std::abort();
    }
    template <class T>
    static void Quarantine(std::vector<T*>& q, T* x, NodeArena<T>& arena) {
      q.push_back(x);
      if (q.size() <= kQuarantine) return;
      arena.Release(q.front());
      q.erase(q.begin());
    }
    NodeArena<Node> nodes_;
    NodeArena<Cell> cells_;
    std::vector<Node*> node_quarantine_;
    std::vector<Cell*> cell_quarantine_;
  };

  static bool Marked(uintptr_t w) { return (w & 1) != 0; }
  static uintptr_t Unmarked(uintptr_t w) { return w & ~uintptr_t{1}; }
  static Node* AsNode(uintptr_t w) { return reinterpret_cast<Node*>(Unmarked(w)); }
  static Cell* AsCell(uintptr_t w) { return reinterpret_cast<Cell*>(Unmarked(w)); }
  template <class T>
  static uintptr_t AsWord(T* p) {
    return reinterpret_cast<uintptr_t>(p);
  }
  static bool IsRegular(uint64_t order) { return (order & 1) != 0; }
  static constexpr uint64_t Reverse(uint64_t x) {
    x = (x >> 1 & 0x5555555555555555ull) | (x & 0x5555555555555555ull) << 1;
    x = (x >> 2 & 0x3333333333333333ull) | (x & 0x3333333333333333ull) << 2;
    x = (x >> 4 & 0x0f0f0f0f0f0f0f0full) | (x & 0x0f0f0f0f0f0f0f0full) << 4;
    return __builtin_bswap64(x);
  }
  static uint64_t DummyOrder(size_t bucket) { return Reverse(bucket); }
  static Target TargetOf(Key k) {
    const uint64_t h = Mix64(static_cast<uint64_t>(k));
    return {h, Reverse(h) | 1, k};
  }
  static bool Below(uint64_t order, Key key, const Target& t) {
    return order < t.order || (order == t.order && key < t.key);
  }

  void InitNode(Node* n, uint64_t order, Key k, uintptr_t cell, uintptr_t next) {
    n->order.Set(order);
    n->key.Set(k);
    n->cell.store(cell, std::memory_order_relaxed);  // published by the linking CAS
    n->next.store(next, std::memory_order_relaxed);
  }
  Cell* NewCell(int slot, Value v) {
    Cell* c = pools_[slot].TakeCell();
    c->value.Set(v);
    return c;
  }
  Node* NewEntry(int slot, const Target& t, Value v) {
    Node* n = pools_[slot].TakeNode();
    InitNode(n, t.order, t.key, AsWord(NewCell(slot, v)), 0);
    return n;
  }
  // A node that was never published goes straight back to the pool (with its cell).
  void Discard(int slot, Node* n) {
    if (IsRegular(n->order.Get())) {
      pools_[slot].ReleaseCell(AsCell(n->cell.load(std::memory_order_relaxed)));
    }
    pools_[slot].ReleaseNode(n);
  }

  // Links `node` at `pos` (between pos.prev and pos.curr): the publication.
  bool Link(const Position& pos, Node* node) {
    node->next.store(AsWord(pos.curr), std::memory_order_relaxed);
    uintptr_t expected = AsWord(pos.curr);
    return pos.prev->compare_exchange_strong(expected, AsWord(node), Policy::kPublish,
                                             std::memory_order_relaxed);
  }

  // Harris/Michael search from `head`, unlinking (and retiring) every marked node on the way and
  // marking the link of an erased node it meets (helping its eraser).
  Position Search(Node* head, const Target& t, int slot) {
    for (;;) {
      if (std::optional<Position> pos = TrySearch(head, t, slot)) return *pos;
    }
  }
  // One pass; nullopt when an unlink CAS failed (the list changed under it: start again).
  std::optional<Position> TrySearch(Node* head, const Target& t, int slot) {
    LinkWord* prev = &head->next;
    uintptr_t link = prev->load(Policy::kTraverse);
    for (;;) {
      Node* curr = AsNode(link);
      if (curr == nullptr) return Position{prev, nullptr, 0, false};
      const uintptr_t succ = curr->next.load(Policy::kTraverse);
      if (Marked(succ)) {
        uintptr_t expected = link;
        if (!prev->compare_exchange_strong(expected, Unmarked(succ), std::memory_order_acq_rel,
                                           std::memory_order_relaxed)) {
          return std::nullopt;
        }
        Unlinked(slot, curr);
        link = Unmarked(succ);
        continue;
      }
      const uint64_t order = curr->order.Get();
      uintptr_t cell = 0;
      if (IsRegular(order)) {
        cell = curr->cell.load(std::memory_order_acquire);
        if (Marked(cell)) {  // erased, its link not marked yet: mark it, then unlink it
          curr->next.fetch_or(1, std::memory_order_acq_rel);
          continue;
        }
      }
      const Key key = curr->key.Get();
      if (!Below(order, key, t)) {
        return Position{prev, curr, cell, order == t.order && key == t.key};
      }
      prev = &curr->next;
      link = succ;
    }
  }

  // The erase: marks `n`'s cell if it still is `cell` (false: it changed or went), marks its link,
  // and unlinks it with a search from `head` (none when head is null: the caller sweeps).
  bool MarkErased(Node* n, uintptr_t cell, Node* head, const Target& t, int slot) {
    uintptr_t expected = cell;
    if (!n->cell.compare_exchange_strong(expected, cell | 1, std::memory_order_acq_rel,
                                         std::memory_order_relaxed)) {
      return false;
    }
    n->next.fetch_or(1, std::memory_order_acq_rel);
    count_.fetch_sub(1, std::memory_order_relaxed);
    if (head != nullptr) Search(head, t, slot);
    return true;
  }

  // This thread's CAS unlinked `n`: it alone retires it (the policy's bugs free it at once).
  void Unlinked(int slot, Node* n) {
    if constexpr (Policy::kFreeAtUnlink) {
      unlinked_[slot].push_back(n);  // freed when this thread's operation ends (~Guard)
    } else if constexpr (Policy::kRecycleAtUnlink) {
      pools_[slot].ReleaseCell(AsCell(n->cell.load(std::memory_order_relaxed)));
      pools_[slot].ReleaseNode(n);
    } else {
      domain_.Retire(slot, n, kNodeKind, [&](const auto& r) { FreeRetired(r, slot); });
    }
  }
  // A cell replaced by assign: retired (the recycling bug reuses it at once, like its nodes).
  void RetireCell(int slot, Cell* c) {
    if constexpr (Policy::kRecycleAtUnlink) {
      pools_[slot].ReleaseCell(c);
      return;
    }
    domain_.Retire(slot, c, kCellKind, [&](const auto& r) { FreeRetired(r, slot); });
  }
  void FreeRetired(const typename EpochDomain<Sync>::Retired& r, int slot) {
    if (r.kind == kCellKind) {
      pools_[slot].FreeCell(static_cast<Cell*>(r.object));
      return;
    }
    Node* n = static_cast<Node*>(r.object);
    pools_[slot].FreeCell(AsCell(n->cell.load(std::memory_order_relaxed)));  // its last cell
    pools_[slot].FreeNode(n);
  }

  // Entry count for the load factor only (approximate under concurrency), and the doubling.
  void CountInsert() {
    const int64_t n = count_.fetch_add(1, std::memory_order_relaxed) + 1;
    size_t buckets = buckets_.load(std::memory_order_relaxed);
    if (n > static_cast<int64_t>(buckets) * kMaxLoad && buckets < kSegmentSize * kSegments) {
      // Relaxed: the count only bounds bucket indices; each directory entry carries its own order.
      buckets_.compare_exchange_strong(buckets, buckets * 2, std::memory_order_relaxed);
    }
  }

  Node* BucketFor(uint64_t hash, int slot) {
    const size_t buckets = buckets_.load(std::memory_order_relaxed);
    return Bucket(static_cast<size_t>(hash) & (buckets - 1), slot);
  }
  Node* Bucket(size_t b, int slot) {
    if (Node* d = Entry(b).load(std::memory_order_acquire)) return d;
    return InitBucket(b, slot);
  }
  // Inserts bucket b's dummy from its parent bucket (b without its top bit), or finds the dummy
  // another thread inserted, and records it in the directory.
  Node* InitBucket(size_t b, int slot) {
    const size_t parent = b & ~(size_t{1} << (63 - __builtin_clzll(b)));
    Node* from = Bucket(parent, slot);
    const Target t{0, DummyOrder(b), 0};
    Node* dummy = pools_[slot].TakeNode();
    InitNode(dummy, t.order, 0, 0, 0);
    for (;;) {
      const Position pos = Search(from, t, slot);
      if (pos.found) {
        pools_[slot].ReleaseNode(dummy);
        dummy = pos.curr;
        break;
      }
      if (Link(pos, dummy)) break;
    }
    Entry(b).store(dummy, std::memory_order_release);
    return dummy;
  }
  typename Sync::template Atomic<Node*>& Entry(size_t b) {
    auto& seg = segments_[b / kSegmentSize];
    Segment* s = seg.load(std::memory_order_acquire);
    if (s == nullptr) {
      Segment* fresh = new Segment();
      Segment* expected = nullptr;
      if (seg.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        s = fresh;
      } else {
        delete fresh;
        s = expected;
      }
    }
    return s->entries[b % kSegmentSize];
  }

  EpochDomain<Sync> domain_;
  std::array<Pools, EpochDomain<Sync>::kMaxSlots> pools_;
  // The early-reclaim bug only: nodes this slot unlinked during its current operation.
  std::array<std::vector<Node*>, Policy::kFreeAtUnlink ? EpochDomain<Sync>::kMaxSlots : 0>
      unlinked_;
  std::array<typename Sync::template Atomic<Segment*>, kSegments> segments_{};
  typename Sync::template Atomic<size_t> buckets_{kInitialBuckets};
  typename Sync::template Atomic<int64_t> count_{0};
  Node* head_ = nullptr;  // bucket 0's dummy: the head of the whole list (set before sharing)
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_LOCKFREE_H_
