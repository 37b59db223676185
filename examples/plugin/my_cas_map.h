// my_cas_map.h: a map with lock-free reads and a compare-and-erase iteration, written against
// mapfault::PluginSync, using what plugin ABI v2 adds (docs/plugins.md "ABI v2").
//
// Concurrency contract:
// - Writers (insert, assign, erase) serialise on one mutex; find and for_each take no lock. Each
//   bucket is a list of nodes linked newest first; a node's key never changes, its value lives in
//   an immutable cell (assign swaps the cell), an erased node is marked dead before it is unlinked,
//   and nothing is freed before the map dies, so an iteration can stand on any node.
// - for_each is weakly consistent: every entry present throughout the iteration is shown exactly
//   once, one inserted or erased during it at most once, each with a value it held when it was
//   read. It reports each read (visit.ReadPoint()).
// - Erase-this is a compare-and-erase: it removes the entry only if it still holds the value cell
//   that was read, and otherwise declines; it reports which (visit.EraseResult, with
//   MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE).
// - The visitor runs with no lock held: it may insert, assign or erase other keys through the map
//   (MAPFAULT_BACKEND_VISITOR_WRITES).
// - Thread registration: like an epoch-based reclamation library, every thread must attach before
//   its first operation (ThreadAttach) and detach after its last (ThreadDetach); an operation on a
//   thread that did not attach is a fatal error. mapfault calls both hooks on every trial thread.
// - Conditional contract: clear is NOT atomic (it empties one bucket at a time, releasing the lock
//   in between). When clear runs concurrently with other operations only no-crash, no-hang and
//   iter.no-duplicate are claimed; otherwise every invariant but misuse-detected.
#ifndef MY_CAS_MAP_H_
#define MY_CAS_MAP_H_

#include <mapfault/plugin.h>
#include <pthread.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace my_map {

// How many maps the calling OS thread is attached to (the "library's" per-thread registration),
// in a pthread key as a C library keeps it. (Not `thread_local`: GCC 12's LeakSanitizer crashes at exit
// scanning the dynamic TLS of a dlopen'ed library whose threads are still alive.)
inline pthread_key_t AttachKey() {
  static const pthread_key_t key = [] {
    pthread_key_t k;
    pthread_key_create(&k, nullptr);
    return k;
  }();
  return key;
}
inline intptr_t AttachedHere() {
  return reinterpret_cast<intptr_t>(pthread_getspecific(AttachKey()));
}
inline void SetAttachedHere(intptr_t n) {
  pthread_setspecific(AttachKey(), reinterpret_cast<void*>(n));
}

template <class Sync>
class CasMap {
 public:
  void ThreadAttach() { SetAttachedHere(AttachedHere() + 1); }
  void ThreadDetach() {
    if (AttachedHere() <= 0) mapfault::PluginFatalError("my_cas_map: detach without attach");
    SetAttachedHere(AttachedHere() - 1);
  }

  bool Insert(int64_t k, int64_t v) {
    CheckAttached("insert");
    std::lock_guard lock(mu_);
    if (FindLive(k) != nullptr) return false;
    Link(k, v);
    return true;
  }
  void Assign(int64_t k, int64_t v) {
    CheckAttached("assign");
    std::lock_guard lock(mu_);
    if (Node* n = FindLive(k)) {
      n->cell.store(NewCell(v));  // the old cell stays readable for iterations holding it
    } else {
      Link(k, v);
    }
  }
  bool Erase(int64_t k) {
    CheckAttached("erase");
    std::lock_guard lock(mu_);
    Node* n = FindLive(k);
    if (n == nullptr) return false;
    Unlink(n);
    return true;
  }
  std::optional<int64_t> Find(int64_t k) {
    CheckAttached("find");
    for (Node* n = Head(k).load(); n != nullptr; n = n->next.load()) {
      if (n->key != k) continue;
      const Cell* c = n->cell.load();
      if (!n->dead.load()) return c->value;
    }
    return std::nullopt;
  }
  uint64_t Size() {
    CheckAttached("size");
    std::lock_guard lock(mu_);
    return size_;
  }
  // Not atomic (see the contract): one bucket at a time.
  void Clear() {
    CheckAttached("clear");
    for (auto& head : heads_) {
      std::lock_guard lock(mu_);
      for (Node* n = head.load(); n != nullptr; n = n->next.load()) {
        n->dead.store(true);
        --size_;
      }
      head.store(nullptr);
    }
  }

  void ForEach(mapfault::PluginVisitor visit, mapfault::PluginIter /*kind*/) {
    CheckAttached("for_each");
    for (auto& head : heads_) {
      for (Node* n = head.load(); n != nullptr;) {
        const Cell* c = n->cell.load();
        const bool dead = n->dead.load();
        Node* const next = n->next.load();
        if (!dead) {
          visit.ReadPoint();
          Sync::Yield("cas.iter: visit the entry read (a writer may land first)");
          const mapfault::PluginVisit action = visit(n->key, c->value);
          if (action == mapfault::PluginVisit::kEraseThis) {
            visit.EraseResult(n->key, EraseIfCurrent(n, c));
          }
          if (action == mapfault::PluginVisit::kStop) return;
        }
        n = next;
      }
    }
  }

 private:
  struct Cell {
    int64_t value;
  };
  struct Node {
    int64_t key = 0;
    typename Sync::template Atomic<const Cell*> cell{nullptr};
    typename Sync::template Atomic<Node*> next{nullptr};
    typename Sync::template Atomic<bool> dead{false};
  };
  static constexpr size_t kBuckets = 8;

  static void CheckAttached(const char* op) {
    if (AttachedHere() <= 0) {
      mapfault::PluginFatalError(std::string("my_cas_map: ") + op +
                                 " on a thread that did not attach");
    }
  }
  typename Sync::template Atomic<Node*>& Head(int64_t k) {
    return heads_[static_cast<size_t>(static_cast<uint64_t>(k) * 0x9e3779b97f4a7c15ull >> 61)];
  }
  // Holding mu_: nodes and cells are only created by writers.
  const Cell* NewCell(int64_t v) { return &cells_.emplace_back(Cell{v}); }
  Node* FindLive(int64_t k) {
    for (Node* n = Head(k).load(); n != nullptr; n = n->next.load()) {
      if (n->key == k && !n->dead.load()) return n;
    }
    return nullptr;
  }
  void Link(int64_t k, int64_t v) {
    Node& n = nodes_.emplace_back();
    n.key = k;
    n.cell.store(NewCell(v));
    auto& head = Head(k);
    n.next.store(head.load());
    head.store(&n);  // publish
    ++size_;
  }
  // Holding mu_: marks `n` dead (the erase's instant), then unlinks it; its next stays valid.
  void Unlink(Node* n) {
    n->dead.store(true);
    auto& head = Head(n->key);
    Node* const after = n->next.load();
    if (head.load() == n) {
      head.store(after);
    } else {
      Node* prev = head.load();
      while (prev->next.load() != n) prev = prev->next.load();
      prev->next.store(after);
    }
    --size_;
  }
  // The iteration's erase-this: only while `n` still holds the cell that was read.
  bool EraseIfCurrent(Node* n, const Cell* read) {
    std::lock_guard lock(mu_);
    if (n->dead.load() || n->cell.load() != read) return false;
    Unlink(n);
    return true;
  }

  typename Sync::Mutex mu_;
  std::array<typename Sync::template Atomic<Node*>, kBuckets> heads_{};
  std::deque<Node> nodes_;  // never shrinks before the map dies: readers may hold any node
  std::deque<Cell> cells_;
  uint64_t size_ = 0;  // guarded by mu_
};

}  // namespace my_map

#endif  // MY_CAS_MAP_H_
