// Mutant aba_iter_recycled: an insertion-ordered map whose weakly consistent iterator trusts a node
// pointer that the node free list has already recycled: the ABA problem.
//
// Design: a hash index (key -> node) plus a doubly linked list of the nodes in insertion order (as
// Java's LinkedHashMap or Python's dict iterate); every operation holds one mutex. Iteration takes
// the mutex one step at a time, so writers are not starved by a long iteration; between two steps
// it remembers its place as a pointer to the node it showed last, and the next step advances from
// that node's next pointer. The iterator is ported from Java's weakly consistent iterators
// (java.util.concurrent): erase unlinks a node but leaves its `next` pointer alone and marks it dead,
// so an iterator whose last node was erased (by its own erase-this, or by another thread) still
// advances through `next` back into the list, skipping dead nodes. Nodes come from a LIFO free list
// and are reused at once ("no malloc on the hot path, and the node most recently freed is still in
// the cache").
//
// Correct version: the same iterator with the guarantee Java gets from its garbage collector: an
// erased node is not reused while an iteration may still stand on it (defer the free while an
// iteration is registered, or give each node a generation and have the iterator compare it).
//
// What is wrong: ABA. The iterator's place is only a pointer. Between two steps, the node it showed
// last is erased (the iteration's own erase-this does that; so can another thread) and goes to the
// free list, and another thread inserts a key (an insert, or an assign of an absent key): it gets
// the same node back, alive, appended at the tail. The next step advances from that node as if it
// were still in its old place: its next pointer now leads past the tail, so the iteration ends,
// having skipped every entry after the old place.
//
// Breaks: iter.no-missed-stable (the skipped entries were present throughout the iteration).
// Witness: conditional-erase (T0's visitor erases expired entries, the freed node is the next one
// reused, and the writers' assigns of keys T0 already erased re-insert them).
//
// Depth 2 (PCT): the recycling insert must come after the step that erased (and freed) the node (1)
// and before the iteration's next step (2): one priority change point between two steps.
#ifndef MAPFAULT_MAPS_MUTANTS_ABA_ITER_RECYCLED_H_
#define MAPFAULT_MAPS_MUTANTS_ABA_ITER_RECYCLED_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "harness/base/types.h"

namespace mapfault {

template <class Sync>
class AbaIterRecycledMap {
 public:
  AbaIterRecycledMap() = default;
  AbaIterRecycledMap(const AbaIterRecycledMap&) = delete;
  AbaIterRecycledMap& operator=(const AbaIterRecycledMap&) = delete;

  bool Insert(Key k, Value v) {
    LockGuard g(mu_, "aba_iter.lock: insert");
    Sync::Yield("aba_iter.insert: look up key");
    if (index_.count(k) != 0) return false;
    Append(k, v);
    return true;
  }

  void Assign(Key k, Value v) {
    LockGuard g(mu_, "aba_iter.lock: assign");
    Sync::Yield("aba_iter.assign: look up key");
    const auto it = index_.find(k);
    if (it == index_.end()) {
      Append(k, v);
      return;
    }
    it->second->value = v;
  }

  bool Erase(Key k) {
    LockGuard g(mu_, "aba_iter.lock: erase");
    return EraseLocked(k);
  }

  std::optional<Value> Find(Key k) {
    LockGuard g(mu_, "aba_iter.lock: find");
    Sync::Yield("aba_iter.find: look up key");
    const auto it = index_.find(k);
    return it == index_.end() ? std::nullopt : std::optional<Value>(it->second->value);
  }

  size_t Size() {
    LockGuard g(mu_, "aba_iter.lock: size");
    return index_.size();
  }

  void Clear() {
    LockGuard g(mu_, "aba_iter.lock: clear");
    while (head_ != nullptr) EraseLocked(head_->key);
  }

  void ForEach(Visitor visit, IterKind) {
    Node* last = nullptr;  // the node shown last: the iterator's place, kept between steps
    for (;;) {
      LockGuard g(mu_, "aba_iter.lock: iteration step");
      // Advance from the last node shown; an erased node keeps its next pointer, so this works even
      // if it was erased since, and erased nodes met on the way are skipped. BUG: a node erased and
      // then reused since the last step is alive again, elsewhere (see the header).
      Sync::Yield("aba_iter.iter: advance from the last node shown");
      Node* n = last == nullptr ? head_ : last->next;
      while (n != nullptr && !n->live) n = n->next;
      if (n == nullptr) break;
      const VisitAction action = visit(n->key, n->value);
      last = n;
      if (action == VisitAction::kEraseThis) EraseLocked(n->key);  // n keeps its next pointer
      if (action == VisitAction::kStop) break;
    }
  }

 private:
  struct Node {
    Key key = 0;
    Value value = 0;
    Node* prev = nullptr;
    Node* next = nullptr;
    bool live = false;
    Node* free_next = nullptr;
  };

  // Holding mu_: a node from the free list (or fresh storage), linked at the tail.
  void Append(Key k, Value v) {
    Sync::Yield("aba_iter.insert: link node at the tail");
    Node* n = free_;
    if (n != nullptr) {
      free_ = n->free_next;
    } else {
      if (used_ == kChunk || chunks_.empty()) {
        chunks_.push_back(std::make_unique<Node[]>(kChunk));
        used_ = 0;
      }
      n = &chunks_.back()[used_++];
    }
    n->key = k;
    n->value = v;
    n->live = true;
    n->prev = tail_;
    n->next = nullptr;
    n->free_next = nullptr;
    (tail_ != nullptr ? tail_->next : head_) = n;
    tail_ = n;
    index_[k] = n;
  }

  // Holding mu_: unlinks k's node, leaving its `next` for cursors standing on it, and frees it.
  bool EraseLocked(Key k) {
    Sync::Yield("aba_iter.erase: look up key");
    const auto it = index_.find(k);
    if (it == index_.end()) return false;
    Node* n = it->second;
    index_.erase(it);
    Sync::Yield("aba_iter.erase: unlink node");
    (n->prev != nullptr ? n->prev->next : head_) = n->next;
    (n->next != nullptr ? n->next->prev : tail_) = n->prev;
    n->live = false;
    n->free_next = free_;  // reused by the very next insert
    free_ = n;
    return true;
  }

  static constexpr size_t kChunk = 64;

  typename Sync::Mutex mu_;
  std::unordered_map<Key, Node*> index_;
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  std::vector<std::unique_ptr<Node[]>> chunks_;  // never freed before the map: pointers stay valid
  size_t used_ = 0;
  Node* free_ = nullptr;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_ABA_ITER_RECYCLED_H_
