// ChainedTable: mapfault's own separate-chaining hash table, the body of every white-box backend.
//
// Concurrency contract: NONE. It is deliberately unsynchronised (the "native map"): every operation
// has scheduling points (Sync::Yield) inside lookup, insert, erase, iteration and rehash, so a
// controlled trial can interleave other threads in the middle of them. Wrappers add the locking.
//
// Memory is managed like a debug heap, so that misuse fails deterministically and a controlled replay
// reproduces it exactly: nodes come from a per-table pool; a freed node has its key, value and next
// pointer overwritten with a poison pattern (0xdd..., a non-canonical address: following it faults);
// a bucket array replaced by rehash is poisoned the same way and kept until the table dies. Freeing a
// node twice aborts ("double free detected"), as glibc does. The hash is a fixed mixing function, so
// the layout never depends on the process (unlike absl::Hash).
//
// Hooks (a policy type) let go_checked add Go's runtime checks without copying the table. Wrappers
// that grow the table themselves (deferred growth, growth pins) or walk it one node at a time (Head,
// Node::next) use the public extension points below; the default paths are unaffected by them.
#ifndef MAPFAULT_MAPS_CHAINED_TABLE_H_
#define MAPFAULT_MAPS_CHAINED_TABLE_H_

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/base/rng.h"
#include "harness/base/types.h"
#include "maps/node_arena.h"

namespace mapfault {

// Hooks with no effect: a plain table.
struct NoTableHooks {
  template <class Sync>
  void WriteBegin() {}
  template <class Sync>
  void WriteEnd() {}
  template <class Sync>
  void Read() {}
  template <class Sync>
  void IterStep() {}
};

template <class Sync, class Hooks = NoTableHooks>
class ChainedTable {
 public:
  static constexpr uintptr_t kPoison = 0xddddddddddddddddull;
  static constexpr size_t kInitialBuckets = 4;
  static constexpr size_t kMaxLoad = 1;  // grow when size > buckets * kMaxLoad

  template <class T>
  using Var = typename Sync::template Var<T>;

  // The fields a thread shares are Vars (checked against happens-before in controlled trials); the
  // pool's own bookkeeping is the allocator's, as malloc's is.
  struct Node {
    Var<Key> key;
    Var<Value> value;
    Var<Node*> next;
    Node* free_next = nullptr;  // pool free list
    bool freed = false;
  };
  using Slot = Var<Node*>;  // a bucket

  // kNow: a write that crosses the load factor rehashes before it returns (unless growth is
  // pinned). kDeferred: it never does; the caller checks NeedsGrow() and calls Grow() itself.
  enum class Growth : uint8_t { kNow, kDeferred };

  ChainedTable() {
    arrays_.reserve(4);  // the first array and the first growths without moving the list
    buckets_.Set(NewBuckets(kInitialBuckets));
    nbuckets_.Set(kInitialBuckets);
  }
  ChainedTable(const ChainedTable&) = delete;
  ChainedTable& operator=(const ChainedTable&) = delete;

  bool Insert(Key k, Value v, Growth growth = Growth::kNow) {
    hooks_.template WriteBegin<Sync>();
    Sync::Yield("table.insert: hash key");
    Slot* slot = &buckets_.Get()[BucketOf(k, nbuckets_.Get())];  // cached, as real code does
    for (Node* n = slot->Get(); n != nullptr; n = n->next.Get()) {
      Sync::Yield("table.insert: probe chain");
      if (n->key.Get() == k) {
        hooks_.template WriteEnd<Sync>();
        return false;
      }
    }
    Sync::Yield("table.insert: link new node");
    Node* node = pool_.Alloc(k, v);
    node->next.Set(slot->Get());
    slot->Set(node);
    IncrementSize(+1, "table.insert: size++");
    if (growth == Growth::kNow && growth_pins_.Get() == 0 && NeedsGrow()) {
      Rehash(nbuckets_.Get() * 2);
    }
    hooks_.template WriteEnd<Sync>();
    return true;
  }

  // Returns whether it linked a new node (false: it overwrote k's value).
  bool Assign(Key k, Value v, Growth growth = Growth::kNow) {
    hooks_.template WriteBegin<Sync>();
    Sync::Yield("table.assign: hash key");
    Slot* slot = &buckets_.Get()[BucketOf(k, nbuckets_.Get())];
    for (Node* n = slot->Get(); n != nullptr; n = n->next.Get()) {
      Sync::Yield("table.assign: probe chain");
      if (n->key.Get() == k) {
        n->value.Set(v);
        hooks_.template WriteEnd<Sync>();
        return false;
      }
    }
    Sync::Yield("table.assign: link new node");
    Node* node = pool_.Alloc(k, v);
    node->next.Set(slot->Get());
    slot->Set(node);
    IncrementSize(+1, "table.assign: size++");
    if (growth == Growth::kNow && growth_pins_.Get() == 0 && NeedsGrow()) {
      Rehash(nbuckets_.Get() * 2);
    }
    hooks_.template WriteEnd<Sync>();
    return true;
  }

  bool Erase(Key k) {
    hooks_.template WriteBegin<Sync>();
    const bool erased = EraseInternal(k);
    hooks_.template WriteEnd<Sync>();
    return erased;
  }

  std::optional<Value> Find(Key k) {
    hooks_.template Read<Sync>();
    Sync::Yield("table.find: hash key");
    for (Node* n = buckets_.Get()[BucketOf(k, nbuckets_.Get())].Get(); n != nullptr;
         n = n->next.Get()) {
      Sync::Yield("table.find: probe chain");
      if (n->key.Get() == k) return n->value.Get();
    }
    return std::nullopt;
  }

  size_t Size() {
    hooks_.template Read<Sync>();
    Sync::Yield("table.size: read counter");
    return size_.Get();
  }

  void Clear() {
    hooks_.template WriteBegin<Sync>();
    for (size_t b = 0; b < nbuckets_.Get(); ++b) {
      Sync::Yield("table.clear: free bucket");
      Slot& slot = buckets_.Get()[b];
      Node* n = slot.Get();
      slot.Set(nullptr);
      while (n != nullptr) {
        Node* next = n->next.Get();
        pool_.Free(n);
        n = next;
      }
    }
    size_.Set(0);
    hooks_.template WriteEnd<Sync>();
  }

  // Iterates like a real chained-table iterator: it caches the bucket array it started on and the
  // node it stands on. An erase-this by the visitor is safe (the successor is read first).
  void ForEach(Visitor visit, IterKind) {
    Slot* table = buckets_.Get();
    const size_t n = nbuckets_.Get();
    for (size_t b = 0; b < n; ++b) {
      if (!VisitChain(table, b, visit)) return;
    }
  }

  // Bucket-level access for wrappers that iterate bucket by bucket.
  size_t BucketCount() const { return nbuckets_.Get(); }
  // Visits bucket `b` of the current array; false when the visitor stopped.
  bool VisitBucket(size_t b, Visitor visit) { return VisitChain(buckets_.Get(), b, visit); }
  // Node-level access for wrappers that walk the chains one node at a time: the first node of
  // bucket `b` of the current array. A node pointer is valid until that node is erased.
  Node* Head(size_t b) const { return buckets_.Get()[b].Get(); }

  // Growth control for wrappers. NeedsGrow: the load factor is exceeded. Grow: doubles the buckets.
  bool NeedsGrow() const { return size_.Get() > nbuckets_.Get() * kMaxLoad; }
  void Grow() {
    hooks_.template WriteBegin<Sync>();
    Rehash(nbuckets_.Get() * 2);
    hooks_.template WriteEnd<Sync>();
  }
  // While growth is pinned (a count), writes never rehash, so the bucket array and every node's
  // bucket stay put (e.g. for a step-wise iteration); the last unpin grows if the load needs it.
  void PinGrowth() { growth_pins_.Set(growth_pins_.Get() + 1); }
  void UnpinGrowth() {
    growth_pins_.Set(growth_pins_.Get() - 1);
    if (growth_pins_.Get() == 0 && NeedsGrow()) Grow();
  }

 private:
  // Per-table node pool with poison-on-free and double-free detection.
  class NodePool {
   public:
    Node* Alloc(Key k, Value v) {
      Node* n = arena_.Take();
      n->key.Set(k);
      n->value.Set(v);
      n->next.Set(nullptr);
      n->free_next = nullptr;
      n->freed = false;
      return n;
    }
    void Free(Node* n) {
      if (n->freed) {
        std::fputs("chained table node pool: double free detected\n", stderr);
        std::abort();
      }
      n->key.Set(static_cast<Key>(kPoison));
      n->value.Set(static_cast<Value>(kPoison));
      n->next.Set(reinterpret_cast<Node*>(kPoison));
      n->freed = true;
      // Freed nodes are reused LIFO through a separate list, as malloc's tcache does, after a
      // quarantine: a ring of the last kQuarantine frees, the oldest released when one comes.
      Node*& slot = freed_[freed_count_++ % kQuarantine];
      if (slot != nullptr) arena_.Release(slot);
      slot = n;
    }

   private:
    static constexpr size_t kQuarantine = 4;  // recently freed nodes stay poisoned for a while
    NodeArena<Node> arena_;
    std::array<Node*, kQuarantine> freed_{};
    size_t freed_count_ = 0;
  };

  static size_t BucketOf(Key k, size_t nbuckets) {
    return static_cast<size_t>(Mix64(static_cast<uint64_t>(k))) & (nbuckets - 1);
  }

  Slot* NewBuckets(size_t n) {
    arrays_.push_back(std::make_unique<Slot[]>(n));  // each slot starts as nullptr
    return arrays_.back().get();
  }

  void IncrementSize(int delta, const char* label) {
    // Read-modify-write with a point in between, as unsynchronised ++.
    const size_t before = size_.Get();
    Sync::Yield(label);
    size_.Set(before + delta);
  }

  bool EraseInternal(Key k) {
    Sync::Yield("table.erase: hash key");
    Slot* slot = &buckets_.Get()[BucketOf(k, nbuckets_.Get())];
    Node* prev = nullptr;
    Node* n = slot->Get();
    while (n != nullptr) {
      Sync::Yield("table.erase: probe chain");
      if (n->key.Get() == k) break;
      prev = n;
      n = n->next.Get();
    }
    if (n == nullptr) return false;
    Sync::Yield("table.erase: unlink node");
    (prev != nullptr ? prev->next : *slot).Set(n->next.Get());
    pool_.Free(n);
    IncrementSize(-1, "table.erase: size--");
    return true;
  }

  // `visit` by reference: a Visitor is 24 bytes, passed by value through the stack, and its copy
  // per bucket was reloaded over narrower stores (a store-forwarding stall in every bucket).
  bool VisitChain(Slot* table, size_t b, const Visitor& visit) {
    Sync::Yield("table.iter: next bucket");
    Node* node = table[b].Get();
    while (node != nullptr) {
      hooks_.template IterStep<Sync>();
      const VisitAction action = visit(node->key.Get(), node->value.Get());
      Sync::Yield("table.iter: advance");
      Node* next = node->next.Get();
      if (action == VisitAction::kEraseThis) {
        const Key k = node->key.Get();
        hooks_.template WriteBegin<Sync>();
        const bool erased = EraseInternal(k);
        hooks_.template WriteEnd<Sync>();
        visit.EraseResult(k, erased);
      }
      if (action == VisitAction::kStop) return false;
      node = next;
    }
    return true;
  }

  void Rehash(size_t new_count) {
    Slot* old = buckets_.Get();
    const size_t old_count = nbuckets_.Get();
    Slot* fresh = NewBuckets(new_count);
    for (size_t b = 0; b < old_count; ++b) {
      Node* n = old[b].Get();
      while (n != nullptr) {
        Sync::Yield("table.rehash: move node");
        Node* next = n->next.Get();
        Slot& dst = fresh[BucketOf(n->key.Get(), new_count)];
        n->next.Set(dst.Get());
        dst.Set(n);
        n = next;
      }
    }
    Sync::Yield("table.rehash: publish new buckets");
    buckets_.Set(fresh);
    nbuckets_.Set(new_count);
    for (size_t b = 0; b < old_count; ++b) old[b].Set(reinterpret_cast<Node*>(kPoison));  // retire
  }

  NodePool pool_;
  std::vector<std::unique_ptr<Slot[]>> arrays_;  // every bucket array, live or retired
  Var<Slot*> buckets_;
  Var<size_t> nbuckets_;
  Var<size_t> size_{0};
  Var<int> growth_pins_{0};
  [[no_unique_address]] Hooks hooks_;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_CHAINED_TABLE_H_
