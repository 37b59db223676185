// Acceptance checks shared by the tests of the white-box backends that claim everything but
// misuse-detected (the typed suite maps/concurrent_contract_test.cc): every built-in scenario,
// through the supervisor the CLI uses, with every claim holding and fully evaluated, except the
// claims a backend breaks by design, which must be found broken.
#ifndef MAPFAULT_MAPS_ACCEPTANCE_TEST_UTIL_H_
#define MAPFAULT_MAPS_ACCEPTANCE_TEST_UTIL_H_

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "maps/builtin_backends.h"
#include "scenarios/scenario_file.h"

namespace mapfault::acceptance {

// Controlled mode runs on one OS thread, where ThreadSanitizer has nothing to see but costs ~15x: a
// TSan build runs fewer. An ASan build checks the harness's and the backends' memory, which a
// tenth of the trials exercise as well (CI's time budget); the plain build runs them all.
#if defined(MAPFAULT_TSAN) || defined(MAPFAULT_ASAN)
inline constexpr uint64_t kControlledTrials = 1000;
inline constexpr uint64_t kPctTrials = 200;
#else
inline constexpr uint64_t kControlledTrials = 10000;
inline constexpr uint64_t kPctTrials = 2000;
#endif

// Every built-in scenario and every scenario of the shipped iteration-model suite
// (scenarios/suites/iteration.toml: the stale-visit programs), less those with visitor writes when
// the backend's contract forbids them (the CLI does not give it those either).
inline std::vector<const Scenario*> EveryScenarioFor(const BackendInfo& backend) {
  std::vector<const Scenario*> out;
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) out.push_back(&s);
  const ScenarioFile* file = nullptr;
  const SuiteSpec* suite = FindBuiltinSuite("iteration-model", &file);
  EXPECT_NE(suite, nullptr) << "the shipped iteration-model suite is missing";
  if (suite != nullptr) {
    for (const std::string& id : suite->scenarios) {
      if (const Scenario* s = file->FindScenario(id)) out.push_back(s);
    }
  }
  std::erase_if(out, [&](const Scenario* s) { return s->visitor_writes && !backend.visitor_writes; });
  return out;
}

inline RunResults RunEveryScenario(const std::string& backend, ExecMode mode, const char* strategy,
                                   uint64_t trials, uint64_t seed) {
  std::vector<CellSpec> cells;
  for (const Scenario* scenario : EveryScenarioFor(*GlobalBackends().Find(backend))) {
    const Scenario& s = *scenario;
    CellSpec c;
    c.mode = mode;
    c.backend = GlobalBackends().Find(backend);
    c.scenario = &s;
    c.params = s.defaults;
    c.strategy = *StrategySpec::Parse(strategy);
    c.trials = trials;
    cells.push_back(c);
  }
  SupervisorOptions o;
  o.seed = seed;
  o.jobs = 2;
  return RunCells(cells, o);
}

// `broken_by_design`: claims the backend is known to break (collect_then_delete's check-then-act):
// each must be found BROKEN in some scenario, and the run's exit code is then not checked.
inline void ExpectEveryClaimHolds(const std::string& backend, const RunResults& r,
                                  uint64_t trials, InvariantSet broken_by_design = {}) {
  const BackendInfo* b = GlobalBackends().Find(backend);
  const std::vector<const Scenario*> scenarios = EveryScenarioFor(*b);
  ASSERT_EQ(r.cells.size(), scenarios.size());
  InvariantSet found;
  for (size_t i = 0; i < r.cells.size(); ++i) {
    const CellResult& c = r.cells[i];
    // A conditional contract on visitor writes (snapshot iterators): the cell's claims.
    const bool unsafe = scenarios[i]->visitor_writes &&
                        (b->unsafe_concurrent_ops & BackendInfo::kVisitorWritesBit) != 0;
    const InvariantSet claims = unsafe ? b->claims_if_unsafe : b->claims;
    EXPECT_EQ(c.trials, trials) << c.scenario;
    for (Invariant inv : kAllInvariants) {
      // no-data-race on real threads is judged by ThreadSanitizer builds only.
      if (inv == Invariant::kNoDataRace && c.mode == "perturbed" && !kTsanBuild) continue;
      const InvariantResult& ir = c.invariants[static_cast<int>(inv)];
      if (broken_by_design.Contains(inv)) {
        if (ir.verdict == Verdict::kBroken) found.Add(inv);
        continue;
      }
      EXPECT_NE(ir.verdict, Verdict::kBroken)
          << c.scenario << " " << InvariantId(inv) << ": " << ir.explanation << "\n  " << ir.token;
      if (claims.Contains(inv)) {
        EXPECT_EQ(ir.verdict, Verdict::kHolds) << c.scenario << " " << InvariantId(inv);
        EXPECT_EQ(ir.evaluated + ir.undecided, trials) << c.scenario << " " << InvariantId(inv);
      }
    }
  }
  EXPECT_EQ(found, broken_by_design) << "a claim broken by design was not found broken";
  if (broken_by_design.empty()) {
    EXPECT_EQ(r.ExitCode(), 0);
  }
}

inline void ExpectClaimsEverythingButMisuseDetectedInBothModes(const std::string& backend) {
  const BackendInfo* b = GlobalBackends().Find(backend);
  ASSERT_NE(b, nullptr);
  InvariantSet expected = InvariantSet::All();
  expected.Remove(Invariant::kMisuseDetected);
  EXPECT_EQ(b->claims, expected);
  EXPECT_TRUE(b->make_controlled);
  EXPECT_TRUE(b->make_real);
  // Unconditional, but for a snapshot iterator's visitor writes (BackendInfo::kVisitorWritesBit).
  EXPECT_EQ(b->unsafe_concurrent_ops & ~BackendInfo::kVisitorWritesBit, 0u);
}

}  // namespace mapfault::acceptance

#endif  // MAPFAULT_MAPS_ACCEPTANCE_TEST_UTIL_H_
