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
      s->Touch(id_, true);
      while (locked_ && s->Block(this, label)) {
        s->Touch(id_, true);  // a new step: woken, it tries again
      }
      locked_ = true;
      s->Acquire(clock_);
    }
    bool try_lock() {
      Scheduler* s = Scheduler::Current();
      if (s != nullptr) {
        s->Point(TraceKind::kLock, "mutex.try_lock");
        s->Touch(id_, true);
      }
      if (locked_) return false;
      locked_ = true;
      if (s != nullptr) s->Acquire(clock_);
      return true;
    }
    void unlock(const char* label = "mutex.unlock") {
      locked_ = false;
      if (Scheduler* s = Scheduler::Current()) {
        s->Touch(id_, true);
        s->Release(clock_);
        s->WakeAll(this);
        s->Point(TraceKind::kUnlock, label);
      }
    }

   private:
    bool locked_ = false;
    SyncClock clock_;  // happens-before: the last unlock's clock
    ObjectId id_;      // partial-order reduction: every operation writes the lock
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
      s->Touch(id_, true);
      while ((writer_ || readers_ > 0) && s->Block(this, label)) {
        s->Touch(id_, true);
      }
      writer_ = true;
      s->Acquire(write_clock_);
      s->Acquire(read_clock_);
    }
    void unlock(const char* label = "rwlock.unlock") {
      writer_ = false;
      if (Scheduler* s = Scheduler::Current()) {
        s->Touch(id_, true);
        s->Release(write_clock_);
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
      s->Touch(id_, true);  // a shared acquire writes the reader count
      while (writer_ && s->Block(this, label)) {
        s->Touch(id_, true);
      }
      ++readers_;
      s->Acquire(write_clock_);
    }
    void unlock_shared(const char* label = "rwlock.unlock_shared") {
      --readers_;
      if (Scheduler* s = Scheduler::Current()) {
        s->Touch(id_, true);
        s->ReleaseJoin(read_clock_);
        if (readers_ == 0) s->WakeAll(this);
        s->Point(TraceKind::kUnlock, label);
      }
    }

   private:
    bool writer_ = false;
    int readers_ = 0;
    // Happens-before: a writer's unlock orders everything after it; the readers' unlocks order
    // the next writer only (readers do not synchronise with each other).
    SyncClock write_clock_;
    SyncClock read_clock_;
    ObjectId id_;  // partial-order reduction: every operation writes the lock
  };

  // An atomic; each operation is a scheduling point. Under MemoryModel::kSc every load reads the
  // latest store and every operation synchronises. Under kC11 (weak atomics) the memory orders
  // feed happens-before (a release store -> an acquire load that reads it, release sequences,
  // fences) and a relaxed or acquire load may read an older store of the location's modification
  // order when coherence allows it, as the strategy chooses (Scheduler::WeakLoad); seq_cst loads,
  // RMWs and failed CASes read the latest store.
  template <class T>
  class Atomic {
   public:
    Atomic() = default;
    explicit Atomic(T v) : v_(v) {}
    Atomic(const Atomic&) = delete;
    Atomic& operator=(const Atomic&) = delete;
    T load(std::memory_order o = std::memory_order_seq_cst) const {
      Scheduler* s = Point("atomic.load");
      if (s == nullptr) return v_;
      s->Touch(id_, false);
      if (s->WeakMemory()) return values_[s->WeakLoad(History(*s), o) % kStoreHistory];
      s->AtomicLoad(clock_, o);
      return v_;
    }
    void store(T v, std::memory_order o = std::memory_order_seq_cst) {
      if (Scheduler* s = Point("atomic.store")) {
        s->Touch(id_, true);
        if (s->WeakMemory()) {
          values_[s->WeakStore(History(*s), o) % kStoreHistory] = v;
        } else {
          s->AtomicStore(clock_, o);
        }
      }
      v_ = v;
    }
    T exchange(T v, std::memory_order o = std::memory_order_seq_cst) {
      return Rmw("atomic.exchange", o, [v](T) { return v; });
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                                 std::memory_order failure) {
      Scheduler* s = Point("atomic.cas");
      if (s != nullptr) s->Touch(id_, true);  // a failed CAS too (conservative)
      if (v_ == expected) {
        RmwWrite(s, success, desired);
        return true;
      }
      if (s != nullptr && s->WeakMemory()) {
        s->WeakLoadLatest(History(*s), failure);
      } else if (s != nullptr) {
        s->AtomicLoad(clock_, failure);
      }
      expected = v_;
      return false;
    }
    bool compare_exchange_strong(T& expected, T desired,
                                 std::memory_order o = std::memory_order_seq_cst) {
      return compare_exchange_strong(expected, desired, o, FailureOrder(o));
    }
    // Never fails spuriously under the controlled scheduler.
    bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                               std::memory_order failure) {
      return compare_exchange_strong(expected, desired, success, failure);
    }
    bool compare_exchange_weak(T& expected, T desired,
                               std::memory_order o = std::memory_order_seq_cst) {
      return compare_exchange_strong(expected, desired, o, FailureOrder(o));
    }
    T fetch_add(T d, std::memory_order o = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      return Rmw("atomic.fetch_add", o, [d](T old) { return static_cast<T>(old + d); });
    }
    T fetch_sub(T d, std::memory_order o = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      return Rmw("atomic.fetch_sub", o, [d](T old) { return static_cast<T>(old - d); });
    }
    T fetch_or(T d, std::memory_order o = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      return Rmw("atomic.fetch_or", o, [d](T old) { return static_cast<T>(old | d); });
    }
    T fetch_and(T d, std::memory_order o = std::memory_order_seq_cst)
      requires std::integral<T>
    {
      return Rmw("atomic.fetch_and", o, [d](T old) { return static_cast<T>(old & d); });
    }

   private:
    static Scheduler* Point(const char* label) {
      Scheduler* s = Scheduler::Current();
      if (s != nullptr) s->Point(TraceKind::kAtomic, label);
      return s;
    }
    static constexpr std::memory_order FailureOrder(std::memory_order o) {
      if (o == std::memory_order_acq_rel) return std::memory_order_acquire;
      if (o == std::memory_order_release) return std::memory_order_relaxed;
      return o;
    }
    // The location's modification order in this trial (weak atomics), started with the value it
    // had before.
    StoreHistory& History(Scheduler& s) const {
      if (s.FreshHistory(history_)) values_[0] = v_;
      return history_;
    }
    template <class F>
    T Rmw(const char* label, std::memory_order o, F next) {
      Scheduler* s = Point(label);
      if (s != nullptr) s->Touch(id_, true);
      const T old = v_;
      RmwWrite(s, o, next(old));
      return old;
    }
    // The write of a read-modify-write (it read the latest store): `v` becomes the latest.
    void RmwWrite(Scheduler* s, std::memory_order o, T v) {
      if (s != nullptr && s->WeakMemory()) {
        values_[s->WeakRmw(History(*s), o) % kStoreHistory] = v;
      } else if (s != nullptr) {
        s->AtomicRmw(clock_, o);
      }
      v_ = v;
    }
    T v_{};            // the latest store
    SyncClock clock_;  // kSc: the clock of the release sequence the last store heads
    mutable StoreHistory history_;      // kC11: the last stores' places in the order ...
    mutable T values_[kStoreHistory]{};  // ... and their values
    mutable ObjectId id_;               // partial-order reduction: the location
  };

  // A stand-alone fence (std::atomic_thread_fence): a scheduling point.
  static void Fence(std::memory_order o, const char* label = "fence") {
    Scheduler* s = Scheduler::Current();
    if (s == nullptr) return;
    s->Point(TraceKind::kAtomic, label);
    // Other fences act on their own thread's clocks only; seq_cst fences form one total order.
    if (o == std::memory_order_seq_cst) s->TouchReserved(Footprint::kScFence, true);
    s->Fence(o);
  }

  // A plain, non-atomic shared memory cell (a node's key, a bucket slot, a size counter). Under a
  // controlled trial every access is checked against happens-before: two accesses of different
  // threads, at least one a write, not ordered by it, are a data race (no-data-race). Each access
  // records its call site. Not copyable: read with Get() / View(), write with Set() / Mut().
  template <class T>
  class Var {
   public:
    // User-provided, so that value-initialising an array of Vars (a bucket array) does not zero
    // each shadow before constructing it: a Var costs its value and one store (VarShadow::gen).
    Var() {}  // NOLINT(modernize-use-equals-default)
    explicit Var(T v) : v_(v) {}
    Var(const Var&) = delete;
    Var& operator=(const Var&) = delete;
    T Get(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) const {
      return View(file, line);
    }
    void Set(T v, const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) {
      Mut(file, line) = v;
    }
    // In-place access to a value that is not a scalar (a container, a struct): checked as one read
    // (View) or one write (Mut) of the whole value. Inline down to one test: unless a scheduler
    // observes Var accesses (race detection, step footprints), and always outside a trial's
    // threads (the init and post parts), an access is a thread-local load and a branch, no call.
    const T& View(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) const {
      if (Scheduler* s = Scheduler::VarObserver()) s->VarViewed(shadow_, id_, {file, line});
      return v_;
    }
    T& Mut(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) {
      if (Scheduler* s = Scheduler::VarObserver()) s->VarMutated(shadow_, id_, {file, line});
      return v_;
    }

   private:
    T v_{};
    mutable VarShadow shadow_;
    mutable ObjectId id_;  // partial-order reduction: the cell
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
#if defined(MAPFAULT_TSAN)
    // ThreadSanitizer does not model stand-alone fences (GCC rejects them under -fsanitize=thread):
    // an RMW of one process-wide cell with the fence's order stands in. That is stronger (every
    // two such fences synchronise), so fence-based synchronisation is never reported as a race.
    static std::atomic<int> cell{0};
    cell.fetch_add(0, order);
#else
    std::atomic_thread_fence(order);
#endif
  }

  // A plain field: Get and Set compile to a load and a store.
  template <class T>
  class Var {
   public:
    Var() = default;
    explicit Var(T v) : v_(v) {}
    Var(const Var&) = delete;
    Var& operator=(const Var&) = delete;
    T Get(const char* = nullptr, unsigned = 0) const { return v_; }
    void Set(T v, const char* = nullptr, unsigned = 0) { v_ = v; }
    const T& View(const char* = nullptr, unsigned = 0) const { return v_; }
    T& Mut(const char* = nullptr, unsigned = 0) { return v_; }

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
