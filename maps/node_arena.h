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
#include <vector>

namespace mapfault {

template <class Node, size_t kChunk = 64>
class NodeArena {
 public:
  // A node from the free list, or fresh storage. Its contents are whatever it last held.
  Node* Take() {
    if (Node* n = free_) {
      free_ = n->free_next;
      return n;
    }
    if (used_ == kChunk || chunks_.empty()) {
      chunks_.push_back(std::make_unique<Node[]>(kChunk));
      used_ = 0;
    }
    return &chunks_.back()[used_++];
  }
  // Makes `n` the next node Take() returns.
  void Release(Node* n) {
    n->free_next = free_;
    free_ = n;
  }

 private:
  std::vector<std::unique_ptr<Node[]>> chunks_;
  size_t used_ = 0;
  Node* free_ = nullptr;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_NODE_ARENA_H_
