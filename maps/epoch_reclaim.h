// EpochDomain: epoch-based safe memory reclamation (Fraser 2004; crossbeam-epoch's protocol) for
// the white-box lock-free backends, built from the Sync policy's atomics so that a controlled trial
// schedules, and its happens-before engine judges, the reclamation protocol like any other code.
//
// Concurrency contract:
// - A thread pins the domain (EpochGuard) for the whole of an operation; while pinned, no node it
//   can reach is freed. Pins nest (a for_each's visitor may call the map again).
// - An unlinked node is retired, tagged with the global epoch read at retirement, and freed by the
//   thread that retired it once the global epoch is two past the tag: by then every thread that was
//   pinned when the node was still reachable has unpinned (the epoch advances only when every
//   pinned thread announces the current one).
// - Per-thread state lives in slots. Controlled mode: logical thread t uses slot t + 1 and the
//   harness's own thread (init and post parts, unit tests) slot 0. Real threads: a thread claims a
//   free slot on its first operation (or in ThreadAttach) and gives it back in ThreadDetach (a
//   thread that never detaches keeps its slot while the domain lives: at most kMaxSlots such
//   threads, then it aborts with a message). A slot's depth, retire list and the map's per-slot
//   pools are touched only by the slot's owner.
// - Memory orders: the announcements, the global epoch and the slot count are seq_cst (a pin is a
//   store followed by loads of the structure: store->load order needs seq_cst plus a fence); an
//   unpin is a release store, so the reads of a pinned section happen-before the free of any node
//   they touched (the reclaimer's seq_cst loads of the announcements and epoch acquire it).
#ifndef MAPFAULT_MAPS_EPOCH_RECLAIM_H_
#define MAPFAULT_MAPS_EPOCH_RECLAIM_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "harness/base/limits.h"
#include "harness/engine/scheduler.h"
#include "harness/engine/sync.h"

namespace mapfault {

// One thread's identity for real-mode slot ownership (never 0).
inline uint64_t EpochThreadToken() {
  static std::atomic<uint64_t> next{1};
  thread_local const uint64_t token = next.fetch_add(1, std::memory_order_relaxed);
  return token;
}

template <class Sync>
class EpochDomain {
 public:
  // Controlled mode needs kMaxThreads + 1 (the harness thread); real threads a few spare.
  static constexpr int kMaxSlots = kMaxThreads + 8;

  // A retired object: what to free (the map's own kind tag says how) and its epoch tag.
  struct Retired {
    void* object;
    uint8_t kind;
    uint64_t tag;
  };

  EpochDomain() : id_(NextDomainId()) {}
  EpochDomain(const EpochDomain&) = delete;
  EpochDomain& operator=(const EpochDomain&) = delete;

  // The calling thread's slot, claimed on first use.
  int Slot() {
    if constexpr (Sync::kControlled) {
      Scheduler* s = Scheduler::Current();
      const int slot = s == nullptr ? 0 : s->current_thread() + 1;
      if (!slots_[slot].attached) {
        slots_[slot].attached = true;
        RaiseUsed(slot + 1);
      }
      return slot;
    } else {
      return RealSlot();
    }
  }
  // Real threads give their slot back (its retire list stays for the next owner to free).
  void Detach() {
    if constexpr (!Sync::kControlled) {
      const int slot = Slot();
      cache_.domain = 0;
      slots_[slot].owner.store(0, std::memory_order_release);
    }
  }

  void Pin(int slot) {
    SlotState& s = slots_[slot];
    if (s.depth++ > 0) return;
    const uint64_t e = epoch_.load(std::memory_order_seq_cst);
    s.announce.store(e << 1 | 1, std::memory_order_seq_cst);
    Sync::Fence(std::memory_order_seq_cst, "epoch.pin: fence");  // announce before any load
  }
  // The slot's pin nesting (0: not pinned).
  int Depth(int slot) const { return slots_[slot].depth; }
  void Unpin(int slot) {
    SlotState& s = slots_[slot];
    if (--s.depth > 0) return;
    s.announce.store(0, std::memory_order_release);  // this section's reads -> the reclaimer
  }

  // Retires `object` (already unlinked by this thread) and frees what the epochs allow: `free`
  // is called as free(Retired) for each object whose grace period has passed.
  template <class Free>
  void Retire(int slot, void* object, uint8_t kind, Free&& free) {
    SlotState& s = slots_[slot];
    s.limbo.push_back({object, kind, epoch_.load(std::memory_order_seq_cst)});
    const uint64_t e = TryAdvance();
    std::erase_if(s.limbo, [&](const Retired& r) {
      if (r.tag + 2 > e) return false;
      free(r);
      return true;
    });
  }

 private:
  struct alignas(64) SlotState {
    typename Sync::template Atomic<uint64_t> announce{0};  // 0: quiescent; else epoch << 1 | 1
    typename Sync::template Atomic<uint64_t> owner{0};     // real threads: the owner's token
    int depth = 0;                                         // the owner's pin nesting
    bool attached = false;                                 // controlled mode: slot counted
    std::vector<Retired> limbo;                            // retired, not yet freed
  };
  struct Cache {
    uint64_t domain = 0;
    int slot = 0;
  };

  static uint64_t NextDomainId() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }

  // Advances the global epoch if every pinned thread announces the current one; the epoch after.
  uint64_t TryAdvance() {
    uint64_t e = epoch_.load(std::memory_order_seq_cst);
    const int used = used_.load(std::memory_order_seq_cst);
    for (int i = 0; i < used; ++i) {
      const uint64_t a = slots_[i].announce.load(std::memory_order_seq_cst);
      if ((a & 1) != 0 && (a >> 1) != e) return e;
    }
    if (epoch_.compare_exchange_strong(e, e + 1, std::memory_order_seq_cst)) return e + 1;
    return e;  // another thread advanced it: e now holds the newer epoch
  }

  void RaiseUsed(int n) {
    int cur = used_.load(std::memory_order_seq_cst);
    while (cur < n && !used_.compare_exchange_strong(cur, n, std::memory_order_seq_cst)) {
    }
  }

  int RealSlot() {
    if (cache_.domain == id_) return cache_.slot;
    const uint64_t me = EpochThreadToken();
    const int used = used_.load(std::memory_order_seq_cst);
    for (int i = 0; i < used; ++i) {
      if (slots_[i].owner.load(std::memory_order_acquire) == me) return Remember(i);
    }
    for (int i = 0; i < kMaxSlots; ++i) {
      uint64_t expected = 0;
      if (slots_[i].owner.compare_exchange_strong(expected, me, std::memory_order_acq_rel)) {
        RaiseUsed(i + 1);
        return Remember(i);
      }
    }
    std::fputs("epoch domain: more threads attached than slots\n", stderr);
    std::abort();
  }
  int Remember(int slot) {
    cache_ = {id_, slot};
    return slot;
  }

  const uint64_t id_;
  typename Sync::template Atomic<uint64_t> epoch_{1};
  typename Sync::template Atomic<int> used_{0};  // slots ever used: the reclaimer scans these
  std::array<SlotState, kMaxSlots> slots_;
  static inline thread_local Cache cache_;  // real threads: the last domain's slot
};

// Pins the calling thread's slot for a scope; slot() is where its allocations and retirements go.
template <class Sync>
class EpochGuard {
 public:
  explicit EpochGuard(EpochDomain<Sync>& d) : domain_(d), slot_(d.Slot()) { domain_.Pin(slot_); }
  ~EpochGuard() { domain_.Unpin(slot_); }
  EpochGuard(const EpochGuard&) = delete;
  EpochGuard& operator=(const EpochGuard&) = delete;
  int slot() const { return slot_; }

 private:
  EpochDomain<Sync>& domain_;
  const int slot_;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_EPOCH_RECLAIM_H_
