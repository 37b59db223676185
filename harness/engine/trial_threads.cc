// Reusable trial threads, released together by an atomic spin barrier.
#include "harness/engine/trial_threads.h"

#include <pthread.h>
#include <sched.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

#include "harness/engine/crash_capture.h"

namespace mapfault {
namespace {

// Pause iterations an idle thread spins for the next trial before it parks on a futex (~10-30 us:
// the gap between back-to-back trials is often shorter, and a parked thread wakes late).
constexpr int kIdleSpins = 1000;
// Pause iterations after which a thread spinning at the start barrier also yields its CPU: long
// when every thread of the trial has a CPU of its own (a sibling that has not arrived is then
// usually about to), short when there are more threads than CPUs (spinning only keeps the missing
// thread off a CPU).
constexpr uint64_t kYieldAfterSpins = uint64_t{1} << 14;
constexpr uint64_t kYieldAfterSpinsOversubscribed = 64;

thread_local size_t arrivals_at_release = 0;

// Blocks while `word` holds `value`: a futex wait with no spin or yield first (libstdc++'s
// atomic wait yields the CPU several times before it sleeps, which on a busy machine gives the CPU
// away for whole time slices).
void WaitWhile(std::atomic<uint32_t>& word, uint32_t value);
// Wakes every thread blocked in WaitWhile on `word`.
void WakeAll(std::atomic<uint32_t>& word);

// The CPUs this process may run on, in order.
std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  }
  return cpus;
}

// Keeps trial thread `index` on a CPU of its own while a trial has no more threads than there are
// CPUs, so two threads of one trial never queue on one CPU while the other spins at the start
// barrier (the scheduler may place a thread woken from a futex next to its waker or its sibling);
// otherwise, or without two CPUs, lets it run anywhere. A system call only when the placement
// changes; a +preempt trial pins its threads to one CPU inside the body and restores this after.
class Placement {
 public:
  Placement(size_t index, const std::vector<int>& cpus) : index_(index), cpus_(cpus) {}

  void For(size_t threads) {
    const int want = cpus_.size() >= 2 && threads <= cpus_.size() ? cpus_[index_] : -1;
    if (want == current_) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int cpu : cpus_) {
      if (want < 0 || cpu == want) CPU_SET(cpu, &set);
    }
    if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0) current_ = want;
  }

 private:
  const size_t index_;
  const std::vector<int>& cpus_;
  int current_ = -1;  // -1: every allowed CPU
};

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> g(mu_);
      quit_ = true;
    }
    generation_.fetch_add(1, std::memory_order_release);
    WakeAll(generation_);
    for (std::thread& t : threads_) t.join();
  }

  std::string Run(const std::vector<std::function<void()>>& bodies) {
    while (threads_.size() < bodies.size()) {
      const size_t index = threads_.size();
      threads_.emplace_back([this, index] { Loop(index); });
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      bodies_ = &bodies;
      error_.clear();
      arrived_.store(0, std::memory_order_relaxed);
      remaining_.store(static_cast<uint32_t>(bodies.size()), std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    WakeAll(generation_);
    // The caller sleeps while the trial runs (its CPU is the trial threads'); the last one wakes it.
    for (uint32_t r = remaining_.load(std::memory_order_acquire); r != 0;
         r = remaining_.load(std::memory_order_acquire)) {
      WaitWhile(remaining_, r);
    }
    std::lock_guard<std::mutex> g(mu_);
    bodies_ = nullptr;
    return error_;
  }

 private:
  // Waits (a short spin, then a futex) until the generation differs from `seen`. After a trial of
  // `last_threads` threads, more than there are CPUs, it parks at once: its spin would hold a CPU a
  // sibling still needs for its body.
  void AwaitTrial(uint32_t seen, size_t last_threads) {
    const int spins = last_threads <= cpus_.size() ? kIdleSpins : 0;
    for (int i = 0; i < spins && generation_.load(std::memory_order_acquire) == seen; ++i) {
      CpuRelax();
    }
    WaitWhile(generation_, seen);
  }

  // The start of a trial: count in, then spin until all `n` threads have (no futex, no condition
  // variable: each thread leaves within a few cycles of the last arrival becoming visible).
  void ArriveAndSpin(size_t n) {
    arrived_.fetch_add(1, std::memory_order_acq_rel);
    const uint64_t yield_after =
        n <= cpus_.size() ? kYieldAfterSpins : kYieldAfterSpinsOversubscribed;
    uint64_t spins = 0;
    size_t a = arrived_.load(std::memory_order_acquire);
    for (; a < n; a = arrived_.load(std::memory_order_acquire)) {
      CpuRelax();
      if (++spins > yield_after) std::this_thread::yield();
    }
    arrivals_at_release = a;
  }

  void Loop(size_t index) {
    const AltSignalStack alt_stack;  // a crash in this thread still reaches the crash handler
    uint32_t seen = 0;
    size_t last_threads = 0;
    Placement placement(index, cpus_);
    while (true) {
      AwaitTrial(seen, last_threads);
      const std::vector<std::function<void()>>* bodies;
      size_t n;
      {
        // Not on the start path: the barrier below is. The lock pairs the trial with its generation.
        // The size is read under it too: a thread that takes no part in this trial must not touch
        // the bodies, which Run's caller may destroy once the participants are done.
        std::lock_guard<std::mutex> g(mu_);
        if (quit_) return;
        seen = generation_.load(std::memory_order_relaxed);
        bodies = bodies_;
        n = bodies == nullptr ? 0 : bodies->size();
      }
      if (index >= n) continue;
      last_threads = n;
      placement.For(last_threads);
      ArriveAndSpin(n);
      const std::string error = RunCaught((*bodies)[index], index);
      if (!error.empty()) {
        std::lock_guard<std::mutex> g(mu_);
        if (error_.empty()) error_ = error;
      }
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) WakeAll(remaining_);
    }
  }

  const std::vector<int> cpus_ = AllowedCpus();
  std::vector<std::thread> threads_;
  std::mutex mu_;
  bool quit_ = false;
  const std::vector<std::function<void()>>* bodies_ = nullptr;
  std::string error_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<size_t> arrived_{0};
  std::atomic<uint32_t> remaining_{0};
};

void WaitWhile(std::atomic<uint32_t>& word, uint32_t value) {
  while (word.load(std::memory_order_acquire) == value) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, value, nullptr,
            nullptr, 0);
  }
}

void WakeAll(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr,
          nullptr, 0);
}

}  // namespace

std::string RunOnTrialThreads(const std::vector<std::function<void()>>& bodies) {
  // One pool per process: a process forked from one that had a pool starts a fresh one (the old
  // pool's threads do not exist in the child; its object is abandoned, not destroyed).
  static pid_t owner = 0;
  static Pool* pool = nullptr;
  if (pool == nullptr || owner != getpid()) {
    pool = new Pool();
    owner = getpid();
  }
  return pool->Run(bodies);
}

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

std::string RunCaught(const std::function<void()>& body, size_t index) {
  try {
    body();
  } catch (const std::exception& e) {
    return "T" + std::to_string(index) + " let an exception escape: " + e.what();
  } catch (...) {
    return "T" + std::to_string(index) + " let a non-standard exception escape";
  }
  return "";
}

size_t ArrivalsAtRelease() { return arrivals_at_release; }

}  // namespace mapfault
