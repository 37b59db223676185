// Test-only backends.
#include "tests/test_backends.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "harness/base/rng.h"
#include "harness/engine/backend.h"
#include "harness/engine/sync.h"
#include "harness/run/trial.h"
#include "maps/builtin_backends.h"
#include "maps/mutex_map.h"

namespace mapfault::testing {
namespace {

template <class Sync>
class SegfaultOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Insert(Key k, Value v) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) raise(SIGSEGV);
    return MutexMap<Sync>::Insert(k, v);
  }
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) raise(SIGSEGV);
    return MutexMap<Sync>::Erase(k);
  }
};

volatile bool spin_forever = true;

// Writes through a null pointer (a real SIGSEGV, not raise()) in the trial with the chosen seed, in
// either mode: the crash stack's top frame must be this function, in this file.
template <class Sync>
class NullDerefOnChosenTrial : public MutexMap<Sync> {
 public:
  [[gnu::noinline]] bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed) {
      volatile int* volatile target = nullptr;
      *target = 1;
    }
    return MutexMap<Sync>::Erase(k);
  }
};

template <class Sync>
class SpinOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) {
      if (g_spin_started != nullptr) *g_spin_started = 1;
      while (spin_forever) {
      }
    }
    return MutexMap<Sync>::Erase(k);
  }
};

// Black-box (real threads): spins forever in every trial whose seed is a multiple of
// g_hang_every, and sleeps g_slow_ms (then behaves) in the other trials whose seed is a multiple
// of g_slow_every: a cell that hangs often, with slow but correct trials.
template <class Sync>
class SpinOftenRealMap : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    const uint64_t seed = CurrentTrialSeed();
    if (g_hang_every != 0 && seed % g_hang_every == 0) {
      while (spin_forever) {
      }
    }
    if (g_slow_every != 0 && seed % g_slow_every == 0) usleep(g_slow_ms * 1000);
    return MutexMap<Sync>::Erase(k);
  }
};

// Spins forever at scheduling points (a real livelock the step bound must catch).
template <class Sync>
class LivelockOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) {
      while (spin_forever) Sync::Yield("test.livelock: spin");
    }
    return MutexMap<Sync>::Erase(k);
  }
};

// Leaves a grandchild that holds the worker's pipes open for g_grandchild_seconds.
template <class Sync>
class ForkOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) {
      const pid_t child = fork();
      if (child == 0) {
        setsid();
        sleep(g_grandchild_seconds);
        _exit(0);
      }
      if (g_grandchildren != nullptr && g_grandchildren->count < 8) {
        g_grandchildren->pids[g_grandchildren->count++] = child;
      }
      raise(SIGSEGV);  // the worker dies; its grandchild lives on
    }
    return MutexMap<Sync>::Erase(k);
  }
};

// Its worker is SIGKILLed on the chosen trial while g_kills_left allows (a kill from outside).
template <class Sync>
class KilledOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr &&
        g_kills_left != nullptr && *g_kills_left > 0) {
      --*g_kills_left;
      kill(getpid(), SIGKILL);
    }
    return MutexMap<Sync>::Erase(k);
  }
};

// Sleeps g_slow_ms in the chosen trial while g_slow_left allows (a machine that stalled once): in
// either mode, a trial that overruns a short watchdog once and completes when replayed.
template <class Sync>
class SlowOnceOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && g_slow_left != nullptr &&
        std::atomic_ref<int>(*g_slow_left).fetch_sub(1) > 0) {
      usleep(g_slow_ms * 1000);
    }
    return MutexMap<Sync>::Erase(k);
  }
};

// Allocates 8 GB (more than a test's worker address-space limit) on the chosen trial.
template <class Sync>
class HogOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed && Scheduler::Current() != nullptr) {
      hog_.emplace_back(new char[size_t{8} << 30]);  // reserved, never touched
    }
    return MutexMap<Sync>::Erase(k);
  }

 private:
  std::vector<std::unique_ptr<char[]>> hog_;
};

// Throws std::bad_alloc from erase in the trial with the chosen seed (real threads): what an
// allocation beyond the worker's address-space limit does in a perturbed trial.
template <class Sync>
class BadAllocOnChosenTrial : public MutexMap<Sync> {
 public:
  bool Erase(Key k) {
    if (CurrentTrialSeed() == g_misbehave_seed) throw std::bad_alloc();
    return MutexMap<Sync>::Erase(k);
  }
};

// An unsynchronised map whose entries are kept in the order of a hash of their keys; for_each
// yields before each visit, so an erase or insert by another thread shifts the entries under it (a
// missed or a repeated key: findings). Salted, the hash is seeded by the address of an allocation
// the map makes when it is built, as hashing salted by heap addresses is: the order, and with it
// what an interleaving does, depends on where the allocator put that block, which the seed and the
// schedule do not fix. Unsalted (seed 0), the same map is deterministic.
template <class Sync, bool kSalted>
class HashOrderedMap {
 public:
  HashOrderedMap()
      : anchor_(new char),
        seed_(kSalted ? Mix64(reinterpret_cast<uintptr_t>(anchor_.get())) : 0) {}

  bool Insert(Key k, Value v) {
    auto it = Position(k);
    if (it != entries_.end() && it->first == k) return false;
    entries_.insert(it, {k, v});
    return true;
  }
  void Assign(Key k, Value v) {
    if (!Insert(k, v)) Position(k)->second = v;
  }
  bool Erase(Key k) {
    auto it = Position(k);
    if (it == entries_.end() || it->first != k) return false;
    entries_.erase(it);
    return true;
  }
  std::optional<Value> Find(Key k) {
    auto it = Position(k);
    if (it == entries_.end() || it->first != k) return std::nullopt;
    return it->second;
  }
  size_t Size() { return entries_.size(); }
  void Clear() { entries_.clear(); }
  void ForEach(Visitor visit, IterKind) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      Sync::Yield("test.hash_ordered: next entry");
      if (i >= entries_.size()) return;
      const auto [k, v] = entries_[i];
      const VisitAction action = visit(k, v);
      if (action == VisitAction::kStop) return;
      if (action == VisitAction::kEraseThis) entries_.erase(entries_.begin() + i--);
    }
  }

 private:
  uint64_t Rank(Key k) const { return Mix64(static_cast<uint64_t>(k) ^ seed_); }
  // The first entry whose rank is not below k's.
  std::vector<std::pair<Key, Value>>::iterator Position(Key k) {
    const uint64_t rank = Rank(k);
    return std::find_if(entries_.begin(), entries_.end(),
                        [&](const auto& e) { return Rank(e.first) >= rank; });
  }

  std::unique_ptr<char> anchor_;
  uint64_t seed_;
  std::vector<std::pair<Key, Value>> entries_;
};

// A mutex map whose size() reads atomic counters without the lock, incremented (relaxed) inside
// the critical sections that link or unlink an entry. kSplit: two counters, entries linked and
// entries unlinked, and size() their difference: wrong (a size() between an erase and a later
// insert may read the unlinked count before the erase and the linked count after the insert: one
// more than any size the map had), and in a program of three threads (insert a key, erase it,
// size()) only a stale read shows it: a size() that reads the erase's count and the linked count
// from before the insert (a weak-memory bug without a data race; invisible while every load reads
// the latest store). Otherwise one counter, +1 and -1 (correct: any store a load may read is the
// size after an operation that had not returned when size() read it).
template <class Sync, bool kSplit>
class CountedSizeMap : public MutexMap<Sync> {
 public:
  bool Insert(Key k, Value v) {
    LockGuard g(this->mu_, "mutex.lock: insert");
    return Counted(this->table_.Insert(k, v), +1);
  }
  void Assign(Key k, Value v) {
    LockGuard g(this->mu_, "mutex.lock: assign");
    Counted(this->table_.Assign(k, v), +1);
  }
  bool Erase(Key k) {
    LockGuard g(this->mu_, "mutex.lock: erase");
    return Counted(this->table_.Erase(k), -1);
  }
  void Clear() {
    LockGuard g(this->mu_, "mutex.lock: clear");
    const int64_t n = static_cast<int64_t>(this->table_.Size());
    this->table_.Clear();
    if (n > 0) Add(-n);
  }
  void ForEach(Visitor visit, IterKind kind) {
    LockGuard g(this->mu_, "mutex.lock: for_each");
    this->table_.ForEach(Visitor(
                             [&](Key k, Value v) {
                               const VisitAction a = visit(k, v);
                               Counted(a == VisitAction::kEraseThis, -1);
                               return a;
                             },
                             visit),
                         kind);
  }
  size_t Size() {  // no lock
    if (!kSplit) return static_cast<size_t>(linked_.load(std::memory_order_relaxed));
    const int64_t unlinked = unlinked_.load(std::memory_order_relaxed);
    return static_cast<size_t>(linked_.load(std::memory_order_relaxed) - unlinked);
  }

 private:
  bool Counted(bool changed, int64_t delta) {
    if (changed) Add(delta);
    return changed;
  }
  void Add(int64_t delta) {
    if (kSplit && delta < 0) {
      unlinked_.fetch_add(-delta, std::memory_order_relaxed);
    } else {
      linked_.fetch_add(delta, std::memory_order_relaxed);
    }
  }

  typename Sync::template Atomic<int64_t> linked_{0};
  typename Sync::template Atomic<int64_t> unlinked_{0};
};

constexpr InvariantSet kClaims = {Invariant::kNoCrash, Invariant::kNoHang,
                                  Invariant::kIterNoDuplicate, Invariant::kIterNoMissedStable,
                                  Invariant::kIterNoPhantom};

template <class M, class RealM = void>
void RegisterHidden(const char* id, const char* description, InvariantSet claims = kClaims) {
  BackendInfo info;
  info.id = id;
  info.description = description;
  info.claims = claims;
  info.make_controlled = Factory<M>();
  if constexpr (!std::is_void_v<RealM>) info.make_real = Factory<RealM>();
  info.listed = false;
  (void)GlobalBackends().Register(std::move(info));  // a repeat call finds it registered
}

}  // namespace

void RegisterTestBackends() {
  RegisterHidden<SegfaultOnChosenTrial<ControlledSync>>(
      "test.segfault", "TEST: raises SIGSEGV in the trial with the chosen seed");
  RegisterHidden<SpinOnChosenTrial<ControlledSync>>(
      "test.spin", "TEST: spins forever (no scheduling point) in the trial with the chosen seed");
  RegisterHidden<LivelockOnChosenTrial<ControlledSync>>(
      "test.livelock", "TEST: yields forever (a livelock) in the trial with the chosen seed");
  RegisterHidden<ForkOnChosenTrial<ControlledSync>>(
      "test.fork", "TEST: forks a long-lived grandchild, then crashes, in the chosen trial");
  RegisterHidden<KilledOnChosenTrial<ControlledSync>>(
      "test.killed_once", "TEST: its worker is SIGKILLed (once) in the chosen trial");
  RegisterHidden<SlowOnceOnChosenTrial<ControlledSync>, SlowOnceOnChosenTrial<RealSync>>(
      "test.slow_once", "TEST: sleeps g_slow_ms (while g_slow_left allows) in the chosen trial");
  RegisterHidden<HogOnChosenTrial<ControlledSync>>(
      "test.hog", "TEST: allocates 8 GB in the chosen trial");
  RegisterHidden<HashOrderedMap<ControlledSync, true>>(
      "test.salted",
      "TEST: no lock; order by a hash seeded from a heap address (nondeterministic)");
  RegisterHidden<HashOrderedMap<ControlledSync, false>>(
      "test.unsalted", "TEST: no lock; order by an unseeded hash (deterministic)");
  {
    BackendInfo info;  // black-box only: perturbed mode
    info.id = "test.spin_often_real";
    info.description = "TEST: real threads; hangs in every g_hang_every-th trial, sleeps in others";
    info.claims = kClaims;
    info.make_real = Factory<SpinOftenRealMap<RealSync>>();
    info.listed = false;
    (void)GlobalBackends().Register(std::move(info));
  }
  InvariantSet sized = kClaims;
  sized.Add(Invariant::kSizeBounds);
  RegisterHidden<CountedSizeMap<ControlledSync, true>>(
      "test.split_size", "TEST: size() reads two relaxed counters without the lock (wrong)", sized);
  RegisterHidden<CountedSizeMap<ControlledSync, false>>(
      "test.counted_size", "TEST: size() reads one relaxed counter without the lock (correct)",
      sized);
  RegisterHidden<NullDerefOnChosenTrial<ControlledSync>, NullDerefOnChosenTrial<RealSync>>(
      "test.null_deref", "TEST: erase writes through a null pointer in the chosen trial");
  RegisterHidden<BadAllocOnChosenTrial<ControlledSync>, BadAllocOnChosenTrial<RealSync>>(
      "test.bad_alloc", "TEST: erase throws std::bad_alloc in the chosen trial");
}

}  // namespace mapfault::testing
