// mapfault::testing::RunSuite: the GoogleTest integration behind include/mapfault/testing.h.
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "harness/run/plan.h"
#include "harness/run/replay.h"
#include "harness/run/supervisor.h"
#include "mapfault/testing.h"
#include "maps/builtin_backends.h"
#include "reports/console_report.h"

namespace mapfault::testing {
namespace {

// MAPFAULT_REPLAY=<token>: the trial runs in this process (a debugger can stop in the map) and its
// violations become the assertion's message.
::testing::AssertionResult ReplayHere(const std::string& text, const BackendInfo& backend) {
  absl::StatusOr<ReplayToken> token = ReplayToken::Decode(text);
  if (!token.ok()) {
    return ::testing::AssertionFailure() << "MAPFAULT_REPLAY: " << token.status().message();
  }
  if (token->backend != backend.id) {
    return ::testing::AssertionSuccess()
           << "MAPFAULT_REPLAY names backend " << token->backend << "; this suite tests "
           << backend.id << " (skipped)";
  }
  absl::StatusOr<TrialSpec> spec = TrialSpecFromToken(*token);
  if (!spec.ok()) return ::testing::AssertionFailure() << "MAPFAULT_REPLAY: " << spec.status();
  const TrialResult r = RunTrial(*spec);  // in process, on purpose
  std::string broke;
  for (const Violation& v : r.violations) {
    absl::StrAppend(&broke, "\n  ", std::string(InvariantId(v.invariant)), ": ", v.explanation);
  }
  if (broke.empty()) {
    return ::testing::AssertionSuccess() << "MAPFAULT_REPLAY: the trial passes now";
  }
  return ::testing::AssertionFailure()
         << "MAPFAULT_REPLAY reproduced the trial (" << backend.id << " / " << token->scenario
         << "):" << broke;
}

}  // namespace

::testing::AssertionResult RunSuite(BackendInfo info, ExecMode mode, const SuiteOptions& options) {
  BackendRegistry& registry = GlobalBackends();
  const std::string id = info.id;
  if (registry.Find(id) == nullptr) {
    const absl::Status status = registry.Register(std::move(info));
    if (!status.ok()) return ::testing::AssertionFailure() << status.message();
  }
  const BackendInfo* backend = registry.Find(id);
  if (const char* replay = std::getenv("MAPFAULT_REPLAY")) return ReplayHere(replay, *backend);

  absl::StatusOr<StrategySpec> strategy = StrategySpec::Parse(
      options.strategy.empty() ? (mode == ExecMode::kControlled ? "random" : "noise")
                               : options.strategy);
  if (!strategy.ok()) return ::testing::AssertionFailure() << strategy.status().message();
  PlanRequest request;
  request.backends = {id};
  request.scenarios = options.scenarios;
  request.mode = std::string(ExecModeName(mode));
  request.strategy = *strategy;
  request.trials = options.trials;
  const absl::StatusOr<RunPlan> plan = PlanRun(request, registry, ScenarioSource{});
  if (!plan.ok()) return ::testing::AssertionFailure() << plan.status().message();
  SupervisorOptions so;
  so.seed = options.seed;
  so.jobs = options.jobs;
  so.watchdog_seconds = options.watchdog_seconds;
  const RunResults results = RunCells(plan->cells, so);
  if (results.ExitCode() == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << id << " broke a claimed guarantee under mapfault:\n"
         << FormatConsoleReport(results)
         << "To debug one break inside this test binary, re-run this test with "
            "MAPFAULT_REPLAY=<token> (only that trial runs, in process).\n";
}

}  // namespace mapfault::testing
