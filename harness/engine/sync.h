// The sync policy seam. White-box backends are templates over a policy bundle `Sync` that provides
// Mutex, SharedMutex, Atomic<T>, Var<T> (a plain, non-atomic shared cell), Fence(order) and
// Yield(label); every layer of a backend must go through it.
//
// - ControlledSync: each operation is a scheduling point of the controlled scheduler, and blocking
//   parks the fiber. Outside a controlled trial (init / post phases, unit tests) the primitives act as
//   plain single-threaded ones.
// - RealSync: std primitives for real OS threads (the perturbed mode adds its noise hooks here).
#ifndef MAPFAULT_HARNESS_ENGINE_SYNC_H_
#define MAPFAULT_HARNESS_ENGINE_SYNC_H_

#include <atomic>
#include <concepts>
#include <mutex>
#include <shared_mutex>
#include <source_location>
#include <thread>

#include "harness/engine/perturbation.h"
#include "harness/engine/scheduler.h"

namespace mapfault {

// Aborts with a message: a primitive was misused outside any scheduler (e.g. a self-deadlock).
[[noreturn]] void SyncMisuse(const char* what);

struct ControlledSync {
  static constexpr bool kControlled = true;

  static void Yield(const char* label) {
    if (Scheduler* s = Scheduler::Current()) s->Point(TraceKind::kYield, label);
  }

  class Mutex {
   public:
    void lock(const char* label = "mutex.lock") {
      Scheduler* s = Scheduler::Current();
      if (s == nullptr) {
        if (locked_) SyncMisuse("Mutex::lock on a mutex already held (self-deadlock)");
        locked_ = true;
        return;
      }
      s->Point(TraceKind::kLock, label);
      while (locked_ && s->Block(this, label)) {
      }
      locked_ = true;
    }
    bool try_lock() {
      if (Scheduler* s = Scheduler::Current()) s->Point(TraceKind::kLock, "mutex.try_lock");
      if (locked_) return false;
      locked_ = true;
      return true;
    }
    void unlock(const char* label = "mutex.unlock") {
      locked_ = false;
      if (Scheduler* s = Scheduler::Current()) {
        s->WakeAll(this);
        s->Point(TraceKind::kUnlock, label);
      }
    }

   private:
    bool locked_ = false;
  };

  class SharedMutex {
   public:
    void lock(const char* label = "rwlock.lock") {
      Scheduler* s = Scheduler::Current();
      if (s == nullptr) {
        if (writer_ || readers_ > 0) SyncMisuse("SharedMutex::lock while held (self-deadlock)");
        writer_ = true;
        return;
      }
      s->Point(TraceKind::kLock, label);
      while ((writer_ || readers_ > 0) && s->Block(this, label)) {
      }
      writer_ = true;
    }
    void unlock(const char* label = "rwlock.unlock") {
      writer_ = false;
      if (Scheduler* s = Scheduler::Current()) {
        s->WakeAll(this);
        s->Point(TraceKind::kUnlock, label);
      }
    }
    void lock_shared(const char* label = "rwlock.lock_shared") {
      Scheduler* s = Scheduler::Current();
      if (s == nullptr) {
        if (writer_) SyncMisuse("SharedMutex::lock_shared while write-held (self-deadlock)");
        ++readers_;
        return;
      }
      s->Point(TraceKind::kLockShared, label);
      while (writer_ && s->Block(this, label)) {
      }
      ++readers_;
    }
    void unlock_shared(const char* label = "rwlock.unlock_shared") {
      --readers_;
      if (Scheduler* s = Scheduler::Current()) {
        if (readers_ == 0) s->WakeAll(this);
        s->Point(TraceKind::kUnlock, label);
      }
    }

   private:
    bool writer_ = false;
    int readers_ = 0;
  };

  // An atomic; each operation is a scheduling point. The memory orders feed happens-before (a
  // release store -> an acquire load that reads it); every load reads the latest store.
  template <class T>
  class Atomic {
   public:
    Atomic() = default;
    explicit Atomic(T v) : v_(v) {}
    Atomic(const Atomic&) = delete;
    Atomic& operator=(const Atomic&) = delete;
    T load(std::memory_order = std::memory_order_seq_cst) const {
      Point("atomic.load");
      return v_;
    }
    void store(T v, std::memory_order = std::memory_order_seq_cst) {
      Point("atomic.store");
      v_ = v;
    }
    T exchange(T v, std::memory_order = std::memory_order_seq_cst) {
      Point("atomic.exchange");
      T old = v_;
      v_ = v;
      return old;
    }
    bool compare_exchange_strong(T& expected, T desired,
                                 std::memory_order = std::memory_order_seq_cst) {
      Point("atomic.cas");
      if (v_ == expected) {
        v_ = desired;
        return true;
      }
      expected = v_;
      return false;
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                                 std::memory_order) {
      return compare_exchange_strong(expected, desired, success);
    }
    // Never fails spuriously under the controlled scheduler.
    bool compare_exchange_weak(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst) {
      return compare_exchange_strong(expected, desired, order);
    }
    bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                               std::memory_order) {
      return compare_exchange_strong(expected, desired, success);
    }
    T fetch_add(T d, std::memory_order = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      Point("atomic.fetch_add");
      T old = v_;
      v_ = old + d;
      return old;
    }
    T fetch_sub(T d, std::memory_order = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      Point("atomic.fetch_sub");
      T old = v_;
      v_ = old - d;
      return old;
    }
    T fetch_or(T d, std::memory_order = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      Point("atomic.fetch_or");
      T old = v_;
      v_ = old | d;
      return old;
    }
    T fetch_and(T d, std::memory_order = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      Point("atomic.fetch_and");
      T old = v_;
      v_ = old & d;
      return old;
    }

   private:
    static void Point(const char* label) {
      if (Scheduler* s = Scheduler::Current()) s->Point(TraceKind::kAtomic, label);
    }
    T v_{};
  };

  // A stand-alone fence (std::atomic_thread_fence): a scheduling point.
  static void Fence(std::memory_order, const char* label = "fence") {
    if (Scheduler* s = Scheduler::Current()) s->Point(TraceKind::kAtomic, label);
  }

  // A plain, non-atomic shared memory cell (a node's key, a bucket slot, a size counter). Under a
  // controlled trial every access is checked against happens-before: two accesses of different
  // threads, at least one a write, not ordered by it, are a data race (no-data-race). Each access
  // records its call site. Not copyable: read with Get(), write with Set().
  template <class T>
  class Var {
   public:
    Var() = default;
    explicit Var(T v) : v_(v) {}
    Var(const Var&) = delete;
    Var& operator=(const Var&) = delete;
    T Get(std::source_location = std::source_location::current()) const { return v_; }
    void Set(T v, std::source_location = std::source_location::current()) { v_ = v; }

   private:
    T v_{};
  };
};

// Real primitives for OS threads. Every yield, lock and unlock is a perturbation point (perturbation.h):
// with no noise plan installed it costs one thread-local load and a branch.
struct RealSync {
  static constexpr bool kControlled = false;
  static void Yield(const char* label) { PerturbationPoint(label); }

  class Mutex {
   public:
    void lock(const char* label = "mutex.lock") {
      PerturbationPoint(label);
      m_.lock();
    }
    bool try_lock() { return m_.try_lock(); }
    void unlock(const char* label = "mutex.unlock") {
      m_.unlock();
      PerturbationPoint(label);
    }

   private:
    std::mutex m_;
  };
  class SharedMutex {
   public:
    void lock(const char* label = "rwlock.lock") {
      PerturbationPoint(label);
      m_.lock();
    }
    void unlock(const char* label = "rwlock.unlock") {
      m_.unlock();
      PerturbationPoint(label);
    }
    void lock_shared(const char* label = "rwlock.lock_shared") {
      PerturbationPoint(label);
      m_.lock_shared();
    }
    void unlock_shared(const char* label = "rwlock.unlock_shared") {
      m_.unlock_shared();
      PerturbationPoint(label);
    }

   private:
    std::shared_mutex m_;
  };
  template <class T>
  using Atomic = std::atomic<T>;
  static void Fence(std::memory_order order, const char* label = "fence") {
    PerturbationPoint(label);
    std::atomic_thread_fence(order);
  }

  // A plain field: Get and Set compile to a load and a store.
  template <class T>
  class Var {
   public:
    Var() = default;
    explicit Var(T v) : v_(v) {}
    Var(const Var&) = delete;
    Var& operator=(const Var&) = delete;
    T Get(std::source_location = std::source_location::current()) const { return v_; }
    void Set(T v, std::source_location = std::source_location::current()) { v_ = v; }

   private:
    T v_{};
  };
};

// RAII guards that pass a trace label to the policy's lock operations.
template <class M>
class LockGuard {
 public:
  explicit LockGuard(M& m, const char* label = "lock") : m_(m) { m_.lock(label); }
  ~LockGuard() { m_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  M& m_;
};

template <class M>
class SharedLockGuard {
 public:
  explicit SharedLockGuard(M& m, const char* label = "lock_shared") : m_(m) { m_.lock_shared(label); }
  ~SharedLockGuard() { m_.unlock_shared(); }
  SharedLockGuard(const SharedLockGuard&) = delete;
  SharedLockGuard& operator=(const SharedLockGuard&) = delete;

 private:
  M& m_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_SYNC_H_
