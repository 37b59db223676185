// BareSync: the baseline sync policy of the benchmarks. It has RealSync's interface
// (harness/engine/sync.h) and the same std primitives (std::mutex, std::shared_mutex, std::atomic) but no
// perturbation points: Yield is a no-op and lock/unlock go straight to the std primitive. A
// white-box backend instantiated over BareSync is therefore "the bare library" against which the
// cost of mapfault's hooks (RealSync with no noise plan installed) is measured.
#ifndef MAPFAULT_BENCH_BARE_SYNC_H_
#define MAPFAULT_BENCH_BARE_SYNC_H_

#include <atomic>
#include <mutex>
#include <shared_mutex>

#include "harness/engine/sync.h"

namespace mapfault {

struct BareSync {
  static constexpr bool kControlled = false;
  static void Yield(const char*) {}

  class Mutex {
   public:
    void lock(const char* = nullptr) { m_.lock(); }
    bool try_lock() { return m_.try_lock(); }
    void unlock(const char* = nullptr) { m_.unlock(); }

   private:
    std::mutex m_;
  };
  class SharedMutex {
   public:
    void lock(const char* = nullptr) { m_.lock(); }
    void unlock(const char* = nullptr) { m_.unlock(); }
    void lock_shared(const char* = nullptr) { m_.lock_shared(); }
    void unlock_shared(const char* = nullptr) { m_.unlock_shared(); }

   private:
    std::shared_mutex m_;
  };
  template <class T>
  using Atomic = std::atomic<T>;
  static void Fence(std::memory_order order, const char* = nullptr) {
    std::atomic_thread_fence(order);
  }

  // A plain field: RealSync's, which has no perturbation point either.
  template <class T>
  using Var = RealSync::Var<T>;
};

}  // namespace mapfault

#endif  // MAPFAULT_BENCH_BARE_SYNC_H_
