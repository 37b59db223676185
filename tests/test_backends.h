// Test-only backends (hidden from `list` and `--backend all`) that misbehave on a chosen trial, to
// test crash and hang isolation.
#ifndef MAPFAULT_TESTS_TEST_BACKENDS_H_
#define MAPFAULT_TESTS_TEST_BACKENDS_H_

#include <cstdint>

namespace mapfault::testing {

// The trial seed on which "test.segfault" raises SIGSEGV and "test.spin" spins forever without a
// scheduling point. Set before RunCells: workers inherit it through fork.
inline uint64_t g_misbehave_seed = 0;

// Registers "test.segfault" and "test.spin" (a mutex map otherwise). Idempotent.
void RegisterTestBackends();

}  // namespace mapfault::testing

#endif  // MAPFAULT_TESTS_TEST_BACKENDS_H_
