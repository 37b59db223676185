// Test bodies for the ways of starting a trial's threads (the pool of trial_threads.h, the
// reference loop of harness/run/reference_loop.h): a run of them ends only if they all run at once.
#ifndef MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_TEST_UTIL_H_
#define MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_TEST_UTIL_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace mapfault::testing {

// `n` bodies; body t records its thread's id in ids[t] (sized n), counts itself in `started` and
// waits until all n have.
inline std::vector<std::function<void()>> RendezvousBodies(size_t n, std::atomic<size_t>& started,
                                                          std::vector<std::thread::id>& ids) {
  std::vector<std::function<void()>> bodies;
  for (size_t t = 0; t < n; ++t) {
    bodies.push_back([&started, &ids, n, t] {
      ids[t] = std::this_thread::get_id();
      started.fetch_add(1);
      while (started.load() < n) std::this_thread::yield();
    });
  }
  return bodies;
}

}  // namespace mapfault::testing

#endif  // MAPFAULT_HARNESS_ENGINE_TRIAL_THREADS_TEST_UTIL_H_
