// Tests of the workers' resource limits: the environment's overrides are validated, and a backend
// that exhausts its worker's address space is a no-crash finding that names the limit.
#include "harness/run/worker_limits.h"

#include <cstdlib>

#include "gtest/gtest.h"
#include "harness/run/worker.h"
#include "maps/builtin_backends.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

TEST(WorkerLimitsTest, EnvironmentOverridesAreValidated) {
  setenv("MAPFAULT_WORKER_CPU_SECONDS", "12", 1);
  absl::StatusOr<WorkerLimits> l = WorkerLimitsFromEnv();
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->cpu_seconds, 12u);
  setenv("MAPFAULT_WORKER_CPU_SECONDS", "lots", 1);
  l = WorkerLimitsFromEnv();
  unsetenv("MAPFAULT_WORKER_CPU_SECONDS");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("MAPFAULT_WORKER_CPU_SECONDS"), std::string::npos);
}

TEST(WorkerLimitsTest, ExhaustingTheAddressSpaceIsANoCrashFindingNamingTheLimit) {
  if (!AddressSpaceLimitSupported()) GTEST_SKIP() << "no RLIMIT_AS under ASan/TSan";
  testing::RegisterTestBackends();
  const WorkerLimits saved = CurrentWorkerLimits();
  SetWorkerLimits({.address_space_mb = 1024, .cpu_seconds = 0, .open_files = 0});
  TrialSpec spec;
  spec.backend = GlobalBackends().Find("test.hog");
  spec.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  spec.params = spec.scenario->defaults;
  spec.seed = 77;
  testing::g_misbehave_seed = spec.seed;
  const IsolatedOutcome o = RunTrialIsolated(spec, 30);
  testing::g_misbehave_seed = 0;
  SetWorkerLimits(saved);
  const std::vector<Violation> v = o.AllViolations();
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].invariant, Invariant::kNoCrash);
  EXPECT_NE(v[0].explanation.find("MAPFAULT_WORKER_AS_MB"), std::string::npos) << v[0].explanation;
}

// The same limit met by a perturbed trial, where the bad_alloc escapes a real thread: the
// finding names the limit too (it said only "let an exception escape" before).
TEST(WorkerLimitsTest, APerturbedTrialsEscapedBadAllocNamesTheLimit) {
  if (!AddressSpaceLimitSupported()) GTEST_SKIP() << "no RLIMIT_AS under ASan/TSan";
  testing::RegisterTestBackends();
  const WorkerLimits saved = CurrentWorkerLimits();
  SetWorkerLimits({.address_space_mb = 1024, .cpu_seconds = 0, .open_files = 0});
  TrialSpec spec;
  spec.mode = ExecMode::kPerturbed;
  spec.backend = GlobalBackends().Find("test.bad_alloc");
  spec.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  spec.params = spec.scenario->defaults;
  spec.strategy = *StrategySpec::Parse("stress");
  spec.seed = 78;
  testing::g_misbehave_seed = spec.seed;
  const TrialResult r = RunTrial(spec);
  testing::g_misbehave_seed = 0;
  SetWorkerLimits(saved);
  ASSERT_FALSE(r.violations.empty());
  EXPECT_EQ(r.violations[0].invariant, Invariant::kNoCrash);
  EXPECT_NE(r.violations[0].explanation.find("MAPFAULT_WORKER_AS_MB"), std::string::npos)
      << r.violations[0].explanation;
}

}  // namespace
}  // namespace mapfault
