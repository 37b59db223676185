// Crash stacks end to end: a backend that writes through a null pointer on a chosen trial, in
// controlled mode (the crashing thread is a fiber) and in perturbed mode (a real thread), in a
// supervised run and alone in a fresh worker (replay). The finding's stack must start at the
// backend's function in its file, with the harness's fiber machinery collapsed.
#include <algorithm>
#include <csignal>
#include <string>

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "harness/run/worker.h"
#include "harness/strategies/strategy_table.h"
#include "maps/builtin_backends.h"
#include "tests/cli_util.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

constexpr const char* kBackend = "test.null_deref";
constexpr const char* kScenario = "iterate-while-erase";

CellSpec NullDerefCell(ExecMode mode, uint64_t trials) {
  testing::RegisterTestBackends();
  CellSpec cell;
  cell.backend = GlobalBackends().Find(kBackend);
  cell.scenario = ScenarioRegistry::Builtin().Find(kScenario);
  cell.mode = mode;
  cell.params = cell.scenario->DefaultsFor(mode == ExecMode::kPerturbed);
  if (mode == ExecMode::kPerturbed) cell.strategy = *StrategySpec::Parse("noise");
  cell.trials = trials;
  return cell;
}

// The stack's first shown frame is the backend's erase, in tests/test_backends.cc.
void ExpectTopFrameIsTheBackend(const std::vector<Stack>& stacks) {
#if defined(MAPFAULT_ASAN) || defined(MAPFAULT_TSAN)
  EXPECT_TRUE(stacks.empty());  // the sanitizer's own report is the crash report there
#else
  ASSERT_EQ(stacks.size(), 1u);
  const Stack& s = stacks[0];
  EXPECT_EQ(s.title, "SIGSEGV (Segmentation fault) in the crashing thread");
  const StackFrame* top = TopFrame(s);
  ASSERT_NE(top, nullptr);
  std::string all;
  for (const StackFrame& f : s.frames) all += FrameText(f) + "\n";
  EXPECT_NE(top->function.find("NullDerefOnChosenTrial"), std::string::npos) << all;
  EXPECT_NE(top->function.find("::Erase("), std::string::npos) << all;
  EXPECT_EQ(top->file, "tests/test_backends.cc") << all;
  EXPECT_GT(top->line, 0) << all;
  // The frame above the crash is the harness's executor (file:line), not the crash handler.
  EXPECT_EQ(&s.frames[0], top) << all;
  EXPECT_NE(all.find("harness/run/trial.cc:"), std::string::npos) << all;
#endif
}

TEST(CrashStackTest, ControlledCrashCarriesTheFibersStackUpToItsEntry) {
  const CellSpec cell = NullDerefCell(ExecMode::kControlled, 20);
  SupervisorOptions options;
  options.seed = 11;
  options.jobs = 1;
  testing::g_misbehave_seed = TrialSeed(11, CellKey(kBackend, kScenario), 4);
  const RunResults r = RunCells({cell}, options);
  const InvariantResult& crash = r.cells[0].invariants[static_cast<int>(Invariant::kNoCrash)];
  ASSERT_EQ(crash.verdict, Verdict::kBroken);
  EXPECT_EQ(crash.first_failure_trial, 5u);
  ExpectTopFrameIsTheBackend(crash.stacks);
#if !defined(MAPFAULT_ASAN) && !defined(MAPFAULT_TSAN)
  // Unwinding through the fiber stops at the fiber's entry: the stack ends in collapsed harness
  // frames (boost::context's entry), not in the supervisor's main().
  const std::vector<StackFrame>& frames = crash.stacks[0].frames;
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().collapsed > 0 ? frames.back().what : "", "harness");
  for (const StackFrame& f : frames) EXPECT_EQ(f.function.find("main"), std::string::npos);
#endif
}

TEST(CrashStackTest, PerturbedCrashCarriesTheRealThreadsStack) {
  const CellSpec cell = NullDerefCell(ExecMode::kPerturbed, 10);
  SupervisorOptions options;
  options.seed = 12;
  options.jobs = 1;
  testing::g_misbehave_seed = TrialSeed(12, CellKey(kBackend, kScenario), 2);
  const RunResults r = RunCells({cell}, options);
  const InvariantResult& crash = r.cells[0].invariants[static_cast<int>(Invariant::kNoCrash)];
  ASSERT_EQ(crash.verdict, Verdict::kBroken);
  ExpectTopFrameIsTheBackend(crash.stacks);
}

TEST(CrashStackTest, AnIsolatedReplayOfTheCrashCarriesItsStack) {
  const CellSpec cell = NullDerefCell(ExecMode::kControlled, 1);
  TrialSpec spec;
  spec.identity() = cell.identity();
  spec.seed = 777;
  testing::g_misbehave_seed = 777;
  const IsolatedOutcome o = RunTrialIsolated(spec, 10);
  ASSERT_FALSE(o.AllViolations().empty());
  EXPECT_EQ(o.AllViolations()[0].invariant, Invariant::kNoCrash);
  ExpectTopFrameIsTheBackend(o.stacks);
}

TEST(CrashStackTest, AWorkerKilledByTheWatchdogHasNoStack) {
  testing::RegisterTestBackends();
  TrialSpec spec;
  spec.backend = GlobalBackends().Find("test.spin");
  spec.scenario = ScenarioRegistry::Builtin().Find(kScenario);
  spec.params = spec.scenario->defaults;
  spec.seed = 31;
  testing::g_misbehave_seed = 31;
  const IsolatedOutcome o = RunTrialIsolated(spec, 0.2);
  EXPECT_EQ(o.kind, IsolatedOutcome::Kind::kHang);
  EXPECT_TRUE(o.stacks.empty());
}

// The acceptance test of the command line: a built-in backend's real crash (go_checked's table is
// rehashed under a concurrent writer), found by `mapfault run`, shown by `mapfault replay` with
// the crashing thread's stack whose top frame is the backend's function in its file.
TEST(CrashStackTest, ReplayOfACrashFindingPrintsTheBackendsFrameOnTop) {
  const std::string out = TempDir("crash_stack_run");
  const CommandResult run = RunMapfault(
      "run --seed 7 --jobs 1 --trials 400 --backend go_checked --scenario mixed-ops --no-progress "
      "--out " + out);
  const size_t finding = run.out.find("/ no-crash:");
  ASSERT_NE(finding, std::string::npos) << run.out;
  const std::string token = FirstReplayToken(run.out.substr(finding));
  ASSERT_FALSE(token.empty());
  const CommandResult replay = RunMapfault("replay " + token);
  EXPECT_EQ(replay.status, 1);
#if defined(MAPFAULT_ASAN) || defined(MAPFAULT_TSAN)
  EXPECT_EQ(replay.out.find("in the crashing thread:"), std::string::npos) << replay.out;
#else
  // A poisoned (non-canonical) pointer faults as SIGSEGV or, on a fiber's stack, SIGBUS.
  std::string title = "SIGSEGV (Segmentation fault) in the crashing thread:\n";
  if (replay.out.find(title) == std::string::npos) {
    title = "SIGBUS (Bus error) in the crashing thread:\n";
  }
  const size_t stack = replay.out.find(title);
  ASSERT_NE(stack, std::string::npos) << replay.out;
  const size_t begin = stack + title.size();
  const std::string top = replay.out.substr(begin, replay.out.find('\n', begin) - begin);
  // The crash is in the backend's rehash (its innermost frames may be a helper it inlined, such
  // as the hash): the first frame in the backend's file is ChainedTable's.
  const size_t in_backend = replay.out.find(" at maps/chained_table.h:", begin);
  ASSERT_NE(in_backend, std::string::npos) << replay.out;
  const size_t line_start = replay.out.rfind('\n', in_backend) + 1;
  EXPECT_NE(replay.out.substr(line_start, in_backend - line_start).find("mapfault::ChainedTable<"),
            std::string::npos)
      << replay.out;
  EXPECT_LT(std::count(replay.out.begin() + static_cast<std::ptrdiff_t>(begin),
                       replay.out.begin() + static_cast<std::ptrdiff_t>(line_start), '\n'),
            3)
      << replay.out;  // among the top three frames
  // The console finding shows the same top frame.
  EXPECT_NE(run.out.find(top), std::string::npos) << run.out;
#endif
}

}  // namespace
}  // namespace mapfault
