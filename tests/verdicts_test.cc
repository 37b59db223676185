// Acceptance tests of the controlled-mode core, through the same supervisor the CLI uses: unsafe
// backends break, the Go-style checked map detects, the safe backends hold over 10,000 trials per
// scenario, both mutants are caught, and the Go delete-in-range rule holds everywhere it is claimed.
// All runs use fixed seeds in controlled mode, so they are deterministic.
#include "gtest/gtest.h"
#include "harness/run/plan.h"
#include "harness/run/supervisor.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

// The cells of `backends` x `scenarios`, planned as `mapfault run --mode auto` plans them.
std::vector<CellSpec> Cells(const std::vector<std::string>& backends,
                            const std::vector<std::string>& scenarios, uint64_t trials,
                            const std::string& strategy = "random") {
  PlanRequest request;
  request.backends = backends;
  request.scenarios = scenarios;
  request.strategy = *StrategySpec::Parse(strategy);
  request.trials = trials;
  absl::StatusOr<RunPlan> plan = PlanRun(request, GlobalBackends(), ScenarioSource{});
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? plan->cells : std::vector<CellSpec>{};
}

RunResults RunSuite(const std::vector<CellSpec>& cells, uint64_t seed = 2026) {
  SupervisorOptions o;
  o.seed = seed;
  o.jobs = 2;
  return RunCells(cells, o);
}

Verdict V(const CellResult& c, Invariant inv) { return c.invariants[static_cast<int>(inv)].verdict; }

bool AnyBroken(const CellResult& c) {
  for (const InvariantResult& r : c.invariants) {
    if (r.verdict == Verdict::kBroken) return true;
  }
  return false;
}

// Its first racing access ends each such trial (no-data-race), before the crash it leads to.
TEST(VerdictsTest, NaiveBreaksWhenIteratingWhileErasingOrGrowing) {
  const RunResults r = RunSuite(Cells({"naive"}, {"iterate-while-erase", "iterate-while-grow"}, 2000));
  for (const CellResult& c : r.cells) {
    EXPECT_TRUE(AnyBroken(c)) << c.scenario;
    EXPECT_EQ(V(c, Invariant::kNoDataRace), Verdict::kBroken) << c.scenario;
    EXPECT_NE(c.invariants[static_cast<int>(Invariant::kNoDataRace)].explanation.find(
                  "are not ordered by happens-before"),
              std::string::npos);
    for (const InvariantResult& inv : c.invariants) {
      if (inv.verdict == Verdict::kBroken) {
        EXPECT_EQ(inv.token.rfind("mf1_", 0), 0u);
      }
    }
  }
  EXPECT_EQ(r.ExitCode(), 1);
}

TEST(VerdictsTest, GoCheckedDetectsConcurrentIterationAndWrite) {
  const RunResults r =
      RunSuite(Cells({"go_checked"}, {"iterate-while-erase", "iterate-while-grow"}, 1000));
  for (const CellResult& c : r.cells) {
    EXPECT_EQ(V(c, Invariant::kMisuseDetected), Verdict::kDetected) << c.scenario;
    EXPECT_NE(c.invariants[static_cast<int>(Invariant::kMisuseDetected)].explanation.find(
                  "concurrent map iteration and map write"),
              std::string::npos);
    EXPECT_FALSE(AnyBroken(c)) << c.scenario;  // it claims nothing else that broke
  }
}

// Ten thousand trials per cell in the plain build; a sanitizer build checks the same cells for
// memory and race errors at a tenth of them (CI's time budget; as maps/acceptance_test_util.h).
#if defined(MAPFAULT_ASAN) || defined(MAPFAULT_TSAN)
constexpr uint64_t kAcceptanceTrials = 1000;
#else
constexpr uint64_t kAcceptanceTrials = 10000;
#endif

TEST(VerdictsTest, MutexAndRwlockHoldEverythingOverTenThousandTrialsPerScenario) {
  std::vector<std::string> scenarios;
  for (const Scenario& s : ScenarioRegistry::Builtin().All()) {
    if (!s.visitor_writes) scenarios.push_back(s.id);  // their visitor must not call the map
  }
  const RunResults r = RunSuite(Cells({"mutex", "rwlock"}, scenarios, kAcceptanceTrials));
  ASSERT_EQ(r.cells.size(), 2 * scenarios.size());
  for (const CellResult& c : r.cells) {
    EXPECT_EQ(c.trials, kAcceptanceTrials);
    for (Invariant inv : kAllInvariants) {
      EXPECT_EQ(V(c, inv), Verdict::kHolds) << c.backend << " " << c.scenario << " "
                                            << InvariantId(inv);
      EXPECT_EQ(c.invariants[static_cast<int>(inv)].evaluated, kAcceptanceTrials);
    }
  }
  EXPECT_EQ(r.ExitCode(), 0);
}

TEST(VerdictsTest, BothMutantsAreBroken) {
  const RunResults erase_shared =
      RunSuite(Cells({"mutant.rwlock_erase_shared"}, {"iterate-while-erase"}, 2000));
  EXPECT_TRUE(AnyBroken(erase_shared.cells[0]));
  const RunResults iter_unlocked =
      RunSuite(Cells({"mutant.mutex_iter_unlocked"}, {"iterate-while-grow"}, 2000));
  EXPECT_TRUE(AnyBroken(iter_unlocked.cells[0]));
  EXPECT_EQ(V(iter_unlocked.cells[0], Invariant::kNoCrash), Verdict::kHolds);
}

TEST(VerdictsTest, PctAlsoFindsTheMutants) {
  const RunResults r = RunSuite(Cells({"mutant.rwlock_erase_shared", "mutant.mutex_iter_unlocked"},
                                 {"iterate-while-erase", "iterate-while-grow"}, 2000, "pct:d=2"));
  EXPECT_TRUE(AnyBroken(r.cells[0]));  // rwlock_erase_shared / iterate-while-erase
  EXPECT_TRUE(AnyBroken(r.cells[3]));  // mutex_iter_unlocked / iterate-while-grow
}

TEST(VerdictsTest, DeleteInRangeOnTheSameThreadHoldsOnEveryBackendThatClaimsIt) {
  std::vector<std::string> white_box, black_box;
  for (const BackendInfo* b : GlobalBackends().Listed()) {
    (b->make_controlled ? white_box : black_box).push_back(b->id);
  }
  std::vector<CellSpec> cells = Cells(white_box, {"range-erase-same-thread"}, 1000);
  // One thread: nothing runs concurrently, so real threads are as deterministic here.
  for (CellSpec c : Cells(black_box, {"range-erase-same-thread"}, 300)) {
    c.mode = ExecMode::kPerturbed;
    c.strategy = *StrategySpec::Parse("noise");
    cells.push_back(c);
  }
  const RunResults r = RunSuite(cells);
  for (const CellResult& c : r.cells) {
    const BackendInfo* b = GlobalBackends().Find(c.backend);
    for (Invariant inv : kAllInvariants) {
      // no-data-race on real threads is judged by ThreadSanitizer builds only, and not for
      // backends whose synchronisation TSan cannot see (BackendInfo::tsan_visible: NOT_RUN).
      if (inv == Invariant::kNoDataRace && c.mode == "perturbed" &&
          (!kTsanBuild || !b->tsan_visible)) {
        continue;
      }
      if (b->claims.Contains(inv)) {
        EXPECT_EQ(V(c, inv), Verdict::kHolds) << c.backend << " " << InvariantId(inv);
      }
    }
    EXPECT_EQ(V(c, Invariant::kMisuseDetected), Verdict::kHolds) << c.backend;
  }
}

TEST(VerdictsTest, CollectThenDeleteBreaksCheckThenActButHoldsCrashFreedomAndIteration) {
  const RunResults r = RunSuite(Cells({"collect_then_delete"}, {"conditional-erase"}, 3000));
  const CellResult& c = r.cells[0];
  EXPECT_EQ(V(c, Invariant::kCheckThenAct), Verdict::kBroken);
  const InvariantResult& cta = c.invariants[static_cast<int>(Invariant::kCheckThenAct)];
  EXPECT_NE(cta.explanation.find("refreshed it after the check"), std::string::npos);
  EXPECT_EQ(cta.evidence.size(), 3u);
  for (Invariant inv : {Invariant::kNoCrash, Invariant::kNoHang, Invariant::kIterNoDuplicate,
                        Invariant::kIterNoMissedStable, Invariant::kIterNoPhantom,
                        Invariant::kIterValueValid, Invariant::kIterEraseHonoured,
                        Invariant::kLinearizable, Invariant::kQuiescentState}) {
    EXPECT_EQ(V(c, inv), Verdict::kHolds) << InvariantId(inv);
  }
}

// Concurrent writes to the unsynchronised table race; the trials without a race judge the rest.
TEST(VerdictsTest, NaiveRacesInMixedOps) {
  const RunResults r = RunSuite(Cells({"naive"}, {"mixed-ops"}, 3000));
  EXPECT_EQ(V(r.cells[0], Invariant::kNoDataRace), Verdict::kBroken);
  EXPECT_LT(r.cells[0].invariants[static_cast<int>(Invariant::kLinearizable)].evaluated, 3000u);
}

TEST(VerdictsTest, SameSeedGivesTheSameResults) {
  const auto cells = Cells({"mutant.mutex_iter_unlocked", "mutex"}, {"mixed-ops"}, 500);
  const RunResults a = RunSuite(cells, 11);
  const RunResults b = RunSuite(cells, 11);
  for (size_t i = 0; i < a.cells.size(); ++i) {
    for (int inv = 0; inv < kInvariantCount; ++inv) {
      EXPECT_EQ(a.cells[i].invariants[inv].failures, b.cells[i].invariants[inv].failures);
      EXPECT_EQ(a.cells[i].invariants[inv].token, b.cells[i].invariants[inv].token);
    }
  }
}

}  // namespace
}  // namespace mapfault
