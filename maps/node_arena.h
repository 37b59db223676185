// NodeArena: node storage for the white-box backends' own allocators. Nodes are carved from chunks
// that never move or shrink before the arena dies (so a stale pointer stays a pointer into the
// arena: misuse reads a recycled or poisoned node instead of freed memory), and reused LIFO through
// an intrusive free list (`Node::free_next`), as malloc's tcache does: the node most recently
// released is the next one handed out, which is what makes use-after-reuse bugs deterministic.
// Single-threaded: callers hold their map's lock (or run on one fiber).
#ifndef MAPFAULT_MAPS_NODE_ARENA_H_
#define MAPFAULT_MAPS_NODE_ARENA_H_

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace mapfault {

template <class Node, size_t kChunk = 64>
class NodeArena {
 public:
  NodeArena() = default;
  NodeArena(const NodeArena&) = delete;
  NodeArena& operator=(const NodeArena&) = delete;
  ~NodeArena() {
    if (first_ == nullptr) return;
    std::destroy_n(first_, more_.empty() ? used_ : kChunk);
    for (size_t c = 0; c < more_.size(); ++c) {
      std::destroy_n(more_[c], c + 1 == more_.size() ? used_ : kChunk);
      Deallocate(more_[c]);
    }
    spare_.Keep(first_);
  }

  // A node from the free list, or fresh storage. Its contents are whatever it last held (a fresh
  // node is default-initialised: its members' initialisers, which every node type has). Storage
  // is constructed as it is carved, not a chunk at a time: a trial's map uses a few nodes of its
  // first chunk, and a node of Vars is a few hundred bytes.
  Node* Take() {
    if (Node* n = free_) {
      free_ = n->free_next;
      return n;
    }
    if (first_ == nullptr) {
      first_ = spare_.Take();
      used_ = 0;
    } else if (used_ == kChunk) {
      more_.push_back(std::allocator<Node>().allocate(kChunk));
      used_ = 0;
    }
    Node* chunk = more_.empty() ? first_ : more_.back();
    return ::new (static_cast<void*>(chunk + used_++)) Node;
  }
  // Makes `n` the next node Take() returns.
  void Release(Node* n) {
    n->free_next = free_;
    free_ = n;
  }

 private:
  static void Deallocate(Node* chunk) { std::allocator<Node>().deallocate(chunk, kChunk); }

  // One first chunk's storage kept per thread between arenas: a trial builds and destroys a map,
  // and the first chunk (kChunk nodes of a few hundred bytes each, above malloc's per-thread
  // caches) was a large allocation and free per trial. Raw storage only: nothing in it survives
  // an arena (a new arena constructs each node as it carves it).
  struct Spare {
    Node* chunk = nullptr;
    Node* Take() {
      Node* c = chunk != nullptr ? chunk : std::allocator<Node>().allocate(kChunk);
      chunk = nullptr;
      return c;
    }
    void Keep(Node* c) {
      if (chunk == nullptr) {
        chunk = c;
      } else {
        Deallocate(c);
      }
    }
    ~Spare() {
      if (chunk != nullptr) Deallocate(chunk);
    }
  };
  static inline thread_local Spare spare_;

  Node* first_ = nullptr;    // the first chunk: most arenas (a trial's map) never need another
  std::vector<Node*> more_;  // later chunks, each of kChunk nodes
  size_t used_ = 0;  // nodes constructed in the last chunk (every earlier chunk is full)
  Node* free_ = nullptr;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_NODE_ARENA_H_
