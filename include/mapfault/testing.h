// GoogleTest integration: run mapfault scenarios against your own map type from your own test
// suite, failing with the report and a replay token per break.
//
//   #include <mapfault/testing.h>
//
//   template <class Sync> class MyMap { ... };  // the backend interface, over a Sync policy
//
//   TEST(MyMapTest, HoldsUnderInterleavings) {
//     mapfault::testing::SuiteOptions o;
//     o.scenarios = {"iterate-while-erase", "iterate-while-grow"};
//     EXPECT_TRUE(mapfault::testing::HoldsControlled<MyMap>("my_map", o));
//   }
//
// HoldsControlled instantiates MyMap<ControlledSync> (deterministic fibers: failures replay
// exactly); HoldsPerturbed<M> runs a black-box type on real threads with noise. A failure's message
// is mapfault's console report: the matrix, each break's explanation and its replay token.
// To debug one break inside this test binary (no fork, so a debugger sees it), re-run the test with
// MAPFAULT_REPLAY=<token>: only that trial runs, and its failure report is printed.
//
// Needs mapfault's library: find_package(mapfault CONFIG REQUIRED) (or add_subdirectory) and link
// mapfault::testing (docs/gtest.md#in-your-cmake-project).
#ifndef MAPFAULT_INCLUDE_MAPFAULT_TESTING_H_
#define MAPFAULT_INCLUDE_MAPFAULT_TESTING_H_

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/engine/backend.h"
#include "harness/engine/sync.h"

namespace mapfault::testing {

struct SuiteOptions {
  std::vector<std::string> scenarios;  // built-in scenario ids; empty: all of them
  uint64_t trials = 1000;              // per scenario
  std::string strategy;                // "": random (controlled) / noise (perturbed)
  uint64_t seed = 1;                   // fixed by default: a test must not flake
  int jobs = 2;
  // What the map's contract promises; a broken claim fails the test, anything else is reported
  // as OUT_OF_CONTRACT.
  InvariantSet claims = [] {
    InvariantSet s = InvariantSet::All();
    s.Remove(Invariant::kMisuseDetected);
    return s;
  }();
  double watchdog_seconds = 5;
};

// Runs the suite on the backend `info` (registered under its id on first use) in `mode`.
::testing::AssertionResult RunSuite(BackendInfo info, ExecMode mode, const SuiteOptions& options);

// M<ControlledSync> in controlled mode.
template <template <class> class M>
::testing::AssertionResult HoldsControlled(const std::string& name,
                                           const SuiteOptions& options = {}) {
  BackendInfo info;
  info.id = name;
  info.description = "a map under test (mapfault::testing)";
  info.claims = options.claims;
  info.make_controlled = Factory<M<ControlledSync>>();
  info.make_real = Factory<M<RealSync>>();
  info.listed = false;
  return RunSuite(std::move(info), ExecMode::kControlled, options);
}

// A black-box map type on real threads (perturbed mode).
template <class M>
::testing::AssertionResult HoldsPerturbed(const std::string& name,
                                          const SuiteOptions& options = {}) {
  BackendInfo info;
  info.id = name;
  info.description = "a map under test (mapfault::testing)";
  info.claims = options.claims;
  info.make_real = Factory<M>();
  info.listed = false;
  return RunSuite(std::move(info), ExecMode::kPerturbed, options);
}

}  // namespace mapfault::testing

#endif  // MAPFAULT_INCLUDE_MAPFAULT_TESTING_H_
