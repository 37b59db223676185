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
    for (size_t c = 0; c < chunks_.size(); ++c) {
      std::destroy_n(chunks_[c].get(), c + 1 == chunks_.size() ? used_ : kChunk);
    }
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
    if (used_ == kChunk || chunks_.empty()) {
      chunks_.emplace_back(std::allocator<Node>().allocate(kChunk));
      used_ = 0;
    }
    return ::new (static_cast<void*>(chunks_.back().get() + used_++)) Node;
  }
  // Makes `n` the next node Take() returns.
  void Release(Node* n) {
    n->free_next = free_;
    free_ = n;
  }

 private:
  struct Deallocate {
    void operator()(Node* chunk) const { std::allocator<Node>().deallocate(chunk, kChunk); }
  };
  std::vector<std::unique_ptr<Node, Deallocate>> chunks_;
  size_t used_ = 0;  // nodes constructed in the last chunk (every earlier chunk is full)
  Node* free_ = nullptr;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_NODE_ARENA_H_
