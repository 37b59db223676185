// versioned_cas: writers serialise on one mutex; find and for_each run lock-free over immutable
// value cells, and an iteration's erase-this is a compare-and-erase that declines when the entry
// changed since it was read. The proving ground of the precise iteration model (DESIGN.md section
// 12): a correct map that only a model with read windows and erase-this outcomes judges fairly.
//
// Concurrency contract (a USAGE FAQ, as folly's ConcurrentHashMap has):
// - Is iterating while other threads insert, assign, erase or clear safe? Yes: for_each takes no
//   lock. It walks a fixed array of buckets, each a list of nodes linked newest first; a node's
//   key never changes, its value lives in an immutable cell the node points to (assign swaps the
//   cell), and an erased node is marked dead before it is unlinked. Nothing is freed before the map
//   dies, so a node the iteration stands on stays readable.
// - Which entries does for_each show? Weakly consistent: every entry present throughout the
//   iteration exactly once; an entry inserted or erased during it at most once; each shown value
//   was the entry's value when it was read. An entry is read (cell, then the dead mark: not dead
//   then means present with that value when the cell was read), reported as a read point, and
//   visited after a scheduling point: a concurrent assign or erase can land between read and visit.
// - Erase-this: removes the entry only if it still holds the cell that was read (and is not dead);
//   otherwise it declines, and reports which (Visitor::EraseResult). erase_this_may_decline.
// - Visitor writes: allowed (visitor_writes). The visitor runs with no lock held, so it may insert,
//   assign or erase any key. Go's rule for an entry inserted during the iteration: shown at most
//   once (new nodes go to the head of their bucket: an iteration past that point never sees them).
// - claims: everything but misuse-detected. The buckets never grow (chains lengthen instead).
#ifndef MAPFAULT_MAPS_VERSIONED_CAS_H_
#define MAPFAULT_MAPS_VERSIONED_CAS_H_

#include <array>
#include <cstddef>
#include <deque>
#include <optional>

#include "harness/engine/backend.h"
#include "harness/engine/sync.h"

namespace mapfault {

template <class Sync>
class VersionedCasMap {
 public:
  bool Insert(Key k, Value v) {
    LockGuard g(mu_, "vcas.lock: insert");
    if (FindLive(k) != nullptr) return false;
    Link(k, v);
    return true;
  }
  void Assign(Key k, Value v) {
    LockGuard g(mu_, "vcas.lock: assign");
    if (Node* n = FindLive(k)) {
      n->cell.store(NewCell(v));  // the old cell stays readable for iterations holding it
    } else {
      Link(k, v);
    }
  }
  bool Erase(Key k) {
    LockGuard g(mu_, "vcas.lock: erase");
    Node* n = FindLive(k);
    if (n == nullptr) return false;
    Unlink(n);
    return true;
  }
  // Lock-free: the first node of k's bucket that is not dead when its cell has been read.
  std::optional<Value> Find(Key k) {
    for (Node* n = Head(k).load(); n != nullptr; n = n->next.load()) {
      if (n->key.Get() != k) continue;
      const Cell* c = n->cell.load();
      if (!n->dead.load()) return c->value.Get();
    }
    return std::nullopt;
  }
  size_t Size() {
    LockGuard g(mu_, "vcas.lock: size");
    return size_.Get();
  }
  void Clear() {
    LockGuard g(mu_, "vcas.lock: clear");
    for (auto& head : heads_) {
      for (Node* n = head.load(); n != nullptr; n = n->next.load()) n->dead.store(true);
      head.store(nullptr);
    }
    size_.Set(0);
  }

  void ForEach(Visitor visit, IterKind) {
    for (auto& head : heads_) {
      Node* n = head.load();
      while (n != nullptr) {
        const Cell* c = n->cell.load();
        const bool dead = n->dead.load();
        Node* const next = n->next.load();
        if (!dead) {
          visit.ReadPoint();
          Sync::Yield("vcas.iter: visit the entry read (a writer may land first)");
          const VisitAction action = visit(n->key.Get(), c->value.Get());
          if (action == VisitAction::kEraseThis) {
            visit.EraseResult(n->key.Get(), EraseIfCurrent(n, c));
          }
          if (action == VisitAction::kStop) return;
        }
        n = next;
      }
    }
  }

 private:
  // Plain fields are Vars: written before the node or cell is published (a release store), read
  // after an acquire load of it.
  struct Cell {
    typename Sync::template Var<Value> value;
  };
  struct Node {
    typename Sync::template Var<Key> key{0};
    typename Sync::template Atomic<const Cell*> cell{nullptr};
    typename Sync::template Atomic<Node*> next{nullptr};
    typename Sync::template Atomic<bool> dead{false};
  };
  static constexpr size_t kBuckets = 8;

  typename Sync::template Atomic<Node*>& Head(Key k) {
    return heads_[static_cast<size_t>(static_cast<uint64_t>(k) * 0x9e3779b97f4a7c15ull >> 61)];
  }
  // Holding mu_: nodes and cells are only created by writers.
  const Cell* NewCell(Value v) {
    Cell& c = cells_.Mut().emplace_back();
    c.value.Set(v);
    return &c;
  }
  Node* FindLive(Key k) {
    for (Node* n = Head(k).load(); n != nullptr; n = n->next.load()) {
      if (n->key.Get() == k && !n->dead.load()) return n;
    }
    return nullptr;
  }
  void Link(Key k, Value v) {
    Node& n = nodes_.Mut().emplace_back();
    n.key.Set(k);
    n.cell.store(NewCell(v));
    auto& head = Head(k);
    n.next.store(head.load());
    head.store(&n);  // publish
    size_.Set(size_.Get() + 1);
  }
  // Holding mu_: marks `n` dead (the erase's instant), then unlinks it; its next stays valid.
  void Unlink(Node* n) {
    n->dead.store(true);
    auto& head = Head(n->key.Get());
    Node* const after = n->next.load();
    if (head.load() == n) {
      head.store(after);
    } else {
      Node* prev = head.load();
      while (prev->next.load() != n) prev = prev->next.load();
      prev->next.store(after);
    }
    size_.Set(size_.Get() - 1);
  }
  // The iteration's erase-this: only while `n` still holds the cell that was read.
  bool EraseIfCurrent(Node* n, const Cell* read) {
    LockGuard g(mu_, "vcas.lock: erase-this (compare)");
    if (n->dead.load() || n->cell.load() != read) return false;
    Unlink(n);
    return true;
  }

  typename Sync::Mutex mu_;
  std::array<typename Sync::template Atomic<Node*>, kBuckets> heads_{};
  // Never shrink before the map dies: readers may hold any node or cell. Guarded by mu_.
  typename Sync::template Var<std::deque<Node>> nodes_;
  typename Sync::template Var<std::deque<Cell>> cells_;
  typename Sync::template Var<size_t> size_{0};  // guarded by mu_
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_VERSIONED_CAS_H_
