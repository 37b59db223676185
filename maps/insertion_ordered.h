// insertion_ordered: a map that iterates in insertion order (as Java's LinkedHashMap or Python's
// dict do), with a weakly consistent iterator that lets writers in between two entries.
//
// Design: a hash index (key -> node) plus a doubly linked list of the nodes in insertion order;
// every operation holds one Mutex. Iteration takes the mutex one step at a time, so writers are not
// starved by a long iteration; between two steps it remembers its place as a pointer to the node it
// showed last, and the next step advances from that node's next pointer. The iterator is that of
// java.util.concurrent's weakly consistent iterators: erase unlinks a node but leaves its `next`
// pointer alone and marks it dead, so an iterator whose last node was erased (by its own erase-this,
// or by another thread) still advances through `next` back into the list, skipping dead nodes.
// Nodes come from a LIFO free list ("no malloc on the hot path"). What Java gets from its garbage
// collector, this map gets from its free list: a node erased while an iteration is registered is
// retired, not freed, and goes back to the free list only when the last iteration ends, so a node
// an iterator can still reach is never reused (no ABA; mutant.aba_iter_recycled is the map without
// this rule).
//
// Concurrency contract:
// - claims: every invariant but misuse-detected. Single-key operations and size() are atomic under
//   the mutex. An iteration shows every key live throughout it exactly once, with its current value
//   (the visitor runs under the mutex), and never an erased one; keys appended during it are shown
//   if the cursor has not passed the tail yet.
// - relaxation (BackendInfo::duplicate_allows_reinsert): a key erased and re-inserted during an
//   iteration is appended at the tail again and may be shown twice, as Go's spec allows.
// - the visitor runs under the mutex: it may return kEraseThis (erase-this is then immediate and
//   trivially conditional) but must not call the map itself.
#ifndef MAPFAULT_MAPS_INSERTION_ORDERED_H_
#define MAPFAULT_MAPS_INSERTION_ORDERED_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "harness/base/types.h"
#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "maps/node_arena.h"

namespace mapfault {

// The bug knobs of InsertionOrderedMap, all off: the correct map. A mutant (maps/mutants/) is a
// struct deriving from this one that turns one on, and an alias of InsertionOrderedMap over it.
struct InsertionOrderedCorrect {
  // An erased node goes back to the free list at once, even while an iteration may stand on it
  // (mutant.aba_iter_recycled).
  static constexpr bool kReuseNodesDuringIteration = false;
};

template <class Sync, class Bugs = InsertionOrderedCorrect>
class InsertionOrderedMap {
 public:
  InsertionOrderedMap() = default;
  InsertionOrderedMap(const InsertionOrderedMap&) = delete;
  InsertionOrderedMap& operator=(const InsertionOrderedMap&) = delete;

  bool Insert(Key k, Value v) {
    LockGuard g(mu_, "ordered.lock: insert");
    Sync::Yield("ordered.insert: look up key");
    if (index_.View().count(k) != 0) return false;
    Append(k, v);
    return true;
  }

  void Assign(Key k, Value v) {
    LockGuard g(mu_, "ordered.lock: assign");
    Sync::Yield("ordered.assign: look up key");
    const auto it = index_.View().find(k);
    if (it == index_.View().end()) {
      Append(k, v);
      return;
    }
    it->second->value.Set(v);
  }

  bool Erase(Key k) {
    LockGuard g(mu_, "ordered.lock: erase");
    return EraseLocked(k);
  }

  std::optional<Value> Find(Key k) {
    LockGuard g(mu_, "ordered.lock: find");
    Sync::Yield("ordered.find: look up key");
    const auto it = index_.View().find(k);
    return it == index_.View().end() ? std::nullopt : std::optional<Value>(it->second->value.Get());
  }

  size_t Size() {
    LockGuard g(mu_, "ordered.lock: size");
    return index_.View().size();
  }

  void Clear() {
    LockGuard g(mu_, "ordered.lock: clear");
    while (head_.Get() != nullptr) EraseLocked(head_.Get()->key.Get());
  }

  // Registers in its first step and unregisters in its last (no extra lock round trips). A
  // controlled trial that unwinds mid-iteration leaves it registered: nodes are then never reused,
  // which costs memory only.
  void ForEach(Visitor visit, IterKind) {
    Node* last = nullptr;  // the node shown last: the iterator's place, kept between steps
    for (;;) {
      LockGuard g(mu_, "ordered.lock: iteration step");
      if (last == nullptr) iterations_.Set(iterations_.Get() + 1);
      // Advance from the last node shown; an erased node keeps its next pointer, so this works even
      // if it was erased since, and erased nodes met on the way are skipped.
      Sync::Yield("ordered.iter: advance from the last node shown");
      Node* n = last == nullptr ? head_.Get() : last->next.Get();
      while (n != nullptr && !n->live.Get()) n = n->next.Get();
      VisitAction action = VisitAction::kStop;
      if (n != nullptr) {
        action = visit(n->key.Get(), n->value.Get());
        last = n;
        if (action == VisitAction::kEraseThis) {
          visit.EraseResult(n->key.Get(), EraseLocked(n->key.Get()));  // n keeps its next pointer
        }
      }
      if (action == VisitAction::kStop) {
        EndIterationLocked();
        break;
      }
    }
  }

 private:
  template <class T>
  using Var = typename Sync::template Var<T>;

  struct Node {
    Var<Key> key{0};
    Var<Value> value{0};
    Var<Node*> prev{nullptr};
    Var<Node*> next{nullptr};
    Var<bool> live{false};
    Node* free_next = nullptr;  // the arena's (the allocator's) own list
  };

  // Holding mu_: a node from the free list (or fresh storage), linked at the tail.
  void Append(Key k, Value v) {
    Sync::Yield("ordered.insert: link node at the tail");
    Node* n = arena_.Take();
    n->key.Set(k);
    n->value.Set(v);
    n->prev.Set(tail_.Get());
    n->next.Set(nullptr);
    n->live.Set(true);
    n->free_next = nullptr;
    (tail_.Get() != nullptr ? tail_.Get()->next : head_).Set(n);
    tail_.Set(n);
    index_.Mut()[k] = n;
  }

  // Holding mu_: unlinks k's node, leaving its `next` for cursors standing on it, and frees it (or
  // retires it while an iteration is registered).
  bool EraseLocked(Key k) {
    Sync::Yield("ordered.erase: look up key");
    const auto it = index_.View().find(k);
    if (it == index_.View().end()) return false;
    Node* n = it->second;
    index_.Mut().erase(it);
    Sync::Yield("ordered.erase: unlink node");
    Node* const prev = n->prev.Get();
    Node* const next = n->next.Get();
    (prev != nullptr ? prev->next : head_).Set(next);
    (next != nullptr ? next->prev : tail_).Set(prev);
    n->live.Set(false);
    if (iterations_.Get() > 0 && !Bugs::kReuseNodesDuringIteration) {
      n->free_next = retired_;
      retired_ = n;
    } else {
      arena_.Release(n);  // reused by the very next insert
    }
    return true;
  }

  // Holding mu_: the last iteration out returns the retired nodes to the free list.
  void EndIterationLocked() {
    iterations_.Set(iterations_.Get() - 1);
    if (iterations_.Get() != 0) return;
    while (retired_ != nullptr) {
      Node* n = retired_;
      retired_ = n->free_next;
      arena_.Release(n);
    }
  }

  typename Sync::Mutex mu_;
  // Guarded by mu_. The arena and the retired list are the allocator's (not checked, as malloc's).
  Var<std::unordered_map<Key, Node*>> index_;
  Var<Node*> head_{nullptr};
  Var<Node*> tail_{nullptr};
  NodeArena<Node> arena_;   // chunks never freed before the map: pointers stay valid
  Node* retired_ = nullptr;  // erased while an iteration was registered: not reusable yet
  Var<int> iterations_{0};   // registered iterations
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_INSERTION_ORDERED_H_
