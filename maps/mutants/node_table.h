// NodeTable: the body of the mutants that need to reach inside a chained hash table. It is the same
// design as ChainedTable (maps/chained_table.h: separate chaining, scheduling points inside lookup,
// insert, erase, iteration and rehash, the same fixed hash, a debug heap that poisons freed nodes
// and retired bucket arrays and aborts on a double free), but its nodes, its bucket array and its
// growth step are public, because the mutants' bugs live exactly there: a resize run outside the
// lock (mutant.rehash_unlocked), an iteration that keeps a node pointer across an unlock
// (mutant.iter_stale_successor). ChainedTable keeps them private on purpose.
//
// Concurrency contract: NONE (like ChainedTable). Its users add the locking, and get it wrong.
#ifndef MAPFAULT_MAPS_MUTANTS_NODE_TABLE_H_
#define MAPFAULT_MAPS_MUTANTS_NODE_TABLE_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/base/rng.h"
#include "harness/base/types.h"

namespace mapfault {

template <class Sync>
class NodeTable {
 public:
  static constexpr uintptr_t kPoison = 0xddddddddddddddddull;
  static constexpr size_t kInitialBuckets = 4;
  static constexpr size_t kMaxLoad = 1;  // grow when size > buckets * kMaxLoad

  struct Node {
    Key key;
    Value value;
    Node* next;
    Node* free_next;  // pool free list
    bool freed;
  };

  NodeTable() {
    buckets_ = NewBuckets(kInitialBuckets);
    nbuckets_ = kInitialBuckets;
  }
  NodeTable(const NodeTable&) = delete;
  NodeTable& operator=(const NodeTable&) = delete;

  // The node holding k, or nullptr.
  Node* FindNode(Key k) {
    Sync::Yield("table.find: hash key");
    for (Node* n = buckets_[BucketOf(k, nbuckets_)]; n != nullptr; n = n->next) {
      Sync::Yield("table.find: probe chain");
      if (n->key == k) return n;
    }
    return nullptr;
  }

  std::optional<Value> Find(Key k) {
    Node* n = FindNode(k);
    return n == nullptr ? std::nullopt : std::optional<Value>(n->value);
  }

  // Links a new node unless k is present; never grows (see NeedsGrow / Grow).
  bool InsertNoGrow(Key k, Value v) {
    Sync::Yield("table.insert: hash key");
    Node** slot = &buckets_[BucketOf(k, nbuckets_)];
    for (Node* n = *slot; n != nullptr; n = n->next) {
      Sync::Yield("table.insert: probe chain");
      if (n->key == k) return false;
    }
    Sync::Yield("table.insert: link new node");
    Node* node = pool_.Alloc(k, v);
    node->next = *slot;
    *slot = node;
    IncrementSize(+1, "table.insert: size++");
    return true;
  }

  bool NeedsGrow() const { return size_ > nbuckets_ * kMaxLoad; }
  void Grow() { Rehash(nbuckets_ * 2); }

  bool Insert(Key k, Value v) {
    if (!InsertNoGrow(k, v)) return false;
    if (NeedsGrow()) Grow();
    return true;
  }

  // Overwrites k's value; returns true when it inserted k instead (the caller decides on growth).
  bool AssignNoGrow(Key k, Value v) {
    Sync::Yield("table.assign: hash key");
    Node** slot = &buckets_[BucketOf(k, nbuckets_)];
    for (Node* n = *slot; n != nullptr; n = n->next) {
      Sync::Yield("table.assign: probe chain");
      if (n->key == k) {
        n->value = v;
        return false;
      }
    }
    Sync::Yield("table.assign: link new node");
    Node* node = pool_.Alloc(k, v);
    node->next = *slot;
    *slot = node;
    IncrementSize(+1, "table.assign: size++");
    return true;
  }

  void Assign(Key k, Value v) {
    if (AssignNoGrow(k, v) && NeedsGrow()) Grow();
  }

  bool Erase(Key k) {
    Sync::Yield("table.erase: hash key");
    Node** slot = &buckets_[BucketOf(k, nbuckets_)];
    Node* prev = nullptr;
    Node* n = *slot;
    while (n != nullptr) {
      Sync::Yield("table.erase: probe chain");
      if (n->key == k) break;
      prev = n;
      n = n->next;
    }
    if (n == nullptr) return false;
    Sync::Yield("table.erase: unlink node");
    if (prev != nullptr) {
      prev->next = n->next;
    } else {
      *slot = n->next;
    }
    pool_.Free(n);
    IncrementSize(-1, "table.erase: size--");
    return true;
  }

  size_t Size() {
    Sync::Yield("table.size: read counter");
    return size_;
  }

  void Clear() {
    for (size_t b = 0; b < nbuckets_; ++b) {
      Sync::Yield("table.clear: free bucket");
      Node* n = buckets_[b];
      buckets_[b] = nullptr;
      while (n != nullptr) {
        Node* next = n->next;
        pool_.Free(n);
        n = next;
      }
    }
    size_ = 0;
  }

  // Iterates like ChainedTable: caches the bucket array it started on and reads the successor before
  // an erase-this (so erase-this is safe, single-threaded).
  void ForEach(Visitor visit) {
    Node** table = buckets_;
    const size_t count = nbuckets_;
    for (size_t b = 0; b < count; ++b) {
      Sync::Yield("table.iter: next bucket");
      Node* node = table[b];
      while (node != nullptr) {
        const VisitAction action = visit(node->key, node->value);
        Sync::Yield("table.iter: advance");
        Node* next = node->next;
        if (action == VisitAction::kEraseThis) Erase(node->key);
        if (action == VisitAction::kStop) return;
        node = next;
      }
    }
  }

  // Node-level access.
  size_t BucketCount() const { return nbuckets_; }
  Node* Head(size_t b) const { return buckets_[b]; }

 private:
  // Per-table node pool with poison-on-free and double-free detection (as ChainedTable's).
  class NodePool {
   public:
    Node* Alloc(Key k, Value v) {
      Node* n;
      if (free_ != nullptr) {
        n = free_;
        free_ = n->free_next;
      } else {
        if (used_ == kChunk || chunks_.empty()) {
          chunks_.push_back(std::make_unique<Node[]>(kChunk));
          used_ = 0;
        }
        n = &chunks_.back()[used_++];
      }
      *n = Node{k, v, nullptr, nullptr, false};
      return n;
    }
    void Free(Node* n) {
      if (n->freed) {
        std::fputs("node table pool: double free detected\n", stderr);
        std::abort();
      }
      n->key = static_cast<Key>(kPoison);
      n->value = static_cast<Value>(kPoison);
      n->next = reinterpret_cast<Node*>(kPoison);
      n->freed = true;
      freed_.push_back(n);
      if (freed_.size() > kQuarantine) {
        Node* reuse = freed_.front();
        freed_.erase(freed_.begin());
        reuse->free_next = free_;
        free_ = reuse;
      }
    }

   private:
    static constexpr size_t kChunk = 64;
    static constexpr size_t kQuarantine = 4;
    std::vector<std::unique_ptr<Node[]>> chunks_;
    size_t used_ = 0;
    Node* free_ = nullptr;
    std::vector<Node*> freed_;
  };

  static size_t BucketOf(Key k, size_t nbuckets) {
    return static_cast<size_t>(Mix64(static_cast<uint64_t>(k))) & (nbuckets - 1);
  }

  Node** NewBuckets(size_t n) {
    arrays_.push_back(std::make_unique<Node*[]>(n));
    Node** a = arrays_.back().get();
    for (size_t i = 0; i < n; ++i) a[i] = nullptr;
    return a;
  }

  void IncrementSize(int delta, const char* label) {
    const size_t before = size_;
    Sync::Yield(label);
    size_ = before + delta;
  }

  void Rehash(size_t new_count) {
    Node** old = buckets_;
    const size_t old_count = nbuckets_;
    Node** fresh = NewBuckets(new_count);
    for (size_t b = 0; b < old_count; ++b) {
      Node* n = old[b];
      while (n != nullptr) {
        Sync::Yield("table.rehash: move node");
        Node* next = n->next;
        Node** dst = &fresh[BucketOf(n->key, new_count)];
        n->next = *dst;
        *dst = n;
        n = next;
      }
    }
    Sync::Yield("table.rehash: publish new buckets");
    buckets_ = fresh;
    nbuckets_ = new_count;
    for (size_t b = 0; b < old_count; ++b) old[b] = reinterpret_cast<Node*>(kPoison);  // retire
  }

  NodePool pool_;
  std::vector<std::unique_ptr<Node*[]>> arrays_;  // every bucket array, live or retired
  Node** buckets_;
  size_t nbuckets_;
  size_t size_ = 0;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_NODE_TABLE_H_
