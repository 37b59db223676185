// The reference loop's thread start: fresh threads on an atomic spin barrier.
#include "harness/run/reference_loop.h"

#include <atomic>
#include <thread>

#include "harness/engine/trial_threads.h"

namespace mapfault {

std::string RunOnSpinStartedThreads(const std::vector<std::function<void()>>& bodies) {
  const size_t n = bodies.size();
  std::atomic<size_t> arrived{0};
  std::vector<std::string> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      arrived.fetch_add(1, std::memory_order_acq_rel);
      // The whole start: spin until the last thread's increment is visible.
      while (arrived.load(std::memory_order_acquire) < n) CpuRelax();
      errors[i] = RunCaught(bodies[i], i);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) {
    if (!e.empty()) return e;
  }
  return "";
}

}  // namespace mapfault
