// Test-only backends (hidden from `list` and `--backend all`) that misbehave on a chosen trial, to
// test crash and hang isolation.
#ifndef MAPFAULT_TESTS_TEST_BACKENDS_H_
#define MAPFAULT_TESTS_TEST_BACKENDS_H_

#include <csignal>
#include <cstdint>

namespace mapfault::testing {

// The trial seed on which "test.segfault" raises SIGSEGV and "test.spin" spins forever without a
// scheduling point. Set before RunCells: workers inherit it through fork.
inline uint64_t g_misbehave_seed = 0;

// How long the grandchild "test.fork" leaves behind sleeps (holding its worker's pipes open).
inline unsigned g_grandchild_seconds = 5;
// Where "test.fork" records its grandchildren's pids when set (MAP_SHARED memory, set by the test).
struct Grandchildren {
  int count = 0;
  int pids[8] = {};
};
inline Grandchildren* g_grandchildren = nullptr;
// How many more times "test.killed_once" SIGKILLs its worker on the chosen trial (MAP_SHARED
// memory, set by the test): a kill from outside (an operator, the OOM killer) that does not recur.
inline int* g_kills_left = nullptr;
// How many more times "test.slow_once" sleeps g_slow_ms in the chosen trial (MAP_SHARED memory,
// set by the test; decremented by every erase of that trial, so once means once).
inline int* g_slow_left = nullptr;
// When set (MAP_SHARED, so a worker's write reaches the test), "test.spin" stores 1 here as it
// starts spinning: a stop flag that becomes set while the isolated trial runs, without a thread.
inline volatile std::sig_atomic_t* g_spin_started = nullptr;
// "test.spin_often_real" (black-box): spins forever in trials whose seed is a multiple of
// g_hang_every (0: never), sleeps g_slow_ms in the others whose seed is a multiple of g_slow_every.
inline uint64_t g_hang_every = 0;
inline uint64_t g_slow_every = 0;
inline unsigned g_slow_ms = 0;

// Registers "test.segfault", "test.spin", "test.livelock" (yields forever: a livelock) and
// "test.fork" (forks a sleeping grandchild, then crashes) and "test.killed_once" (its worker gets
// SIGKILL while *g_kills_left > 0), "test.hog" (allocates 8 GB) and "test.spin_often_real"; a
// mutex map otherwise; "test.null_deref" (both modes) writes through a null pointer in erase.
// And two unsynchronised maps that break iteration invariants in many trials:
// "test.salted", whose order is a hash seeded from a heap address (a nondeterministic backend: its
// replays diverge), and "test.unsalted", the same map unseeded (deterministic).
// "test.split_size" (size() reads two relaxed counters without the lock: wrong; in one program
// only a stale read shows it) and "test.counted_size" (one counter: correct).
// Idempotent.
void RegisterTestBackends();

}  // namespace mapfault::testing

#endif  // MAPFAULT_TESTS_TEST_BACKENDS_H_
