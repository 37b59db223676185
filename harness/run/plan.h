// The run plan: from what the user asked for (a suite, backends, scenarios, strategy, mode and
// parameters) to the cells a run executes. Used by the CLI, the gtest API, bench-bugs and the tests.
#ifndef MAPFAULT_HARNESS_RUN_PLAN_H_
#define MAPFAULT_HARNESS_RUN_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/engine/backend.h"
#include "harness/run/supervisor.h"
#include "harness/strategies/strategy_spec.h"
#include "scenarios/scenario_file.h"

namespace mapfault {

// The backend ids `suite` names, against `registry` (after plugins are loaded): "all" is every
// listed backend, "PREFIX*" every listed backend whose id starts with PREFIX, any other entry an id
// the registry must know (listed or not). In the suite's order, each id once. An unknown id or a
// pattern that matches nothing is an error "FILE:LINE:COLUMN: ..." at the entry; for a suite that
// needs a plugin (SuiteSpec::plugin) it is PluginMissingError instead.
absl::StatusOr<std::vector<std::string>> ResolveSuiteBackends(const SuiteSpec& suite,
                                                              const BackendRegistry& registry);

// The one-line error of a run of `suite` (which needs a plugin) whose backend `id` is not loaded:
// "suite 'go' runs a plugin's backends ('go.map' is not loaded): pass --plugin <suite.plugin>".
absl::Status PluginMissingError(const SuiteSpec& suite, std::string_view id);

// The mode `backend` runs in for a requested mode "auto" (controlled for a white-box backend, one
// with a ControlledSync instantiation; perturbed for a black-box one), "controlled" or "perturbed"
// (nullopt when the backend cannot run in it).
std::optional<ExecMode> ModeFor(const BackendInfo& backend, const std::string& mode);

// Scenario parameter overrides (0: the scenario's default).
struct ParamOverrides {
  int threads = 0, keys = 0, initial = 0, ops = 0;
};

// What a thread-count override does to a scenario it does not fit. Both rules leave a file's
// fixed program (IsFixedProgram) as written, and refuse --initial above --keys.
enum class ThreadOverrideRule {
  // `mapfault run`: a scenario with a fixed thread count (range-erase-same-thread) keeps it, and
  // fewer threads than a scenario needs is an error.
  kStrict,
  // `mapfault bench-bugs`: the override applies where the scenario can run that many threads and
  // is skipped elsewhere.
  kWhereItFits,
};

// `params` (a scenario's defaults) with `overrides` applied under `rule`. Errors are the CLI's:
// "scenario 'ID' needs --threads >= N", "--initial (I) cannot exceed --keys (K)".
absl::StatusOr<ScenarioParams> ApplyOverrides(const Scenario& scenario, ScenarioParams params,
                                              const ParamOverrides& overrides,
                                              ThreadOverrideRule rule);

// Where a plan finds scenarios by id: the chosen suite's file (FindSuiteScenario: its own
// scenarios, then the built-ins it may name), then every loaded file, then the built-ins.
struct ScenarioSource {
  const ScenarioRegistry* builtins = &ScenarioRegistry::Builtin();
  const ScenarioFile* suite_file = nullptr;
  std::vector<const ScenarioFile*> files;

  // The scenarios `ids` name, in order (every built-in when `ids` is empty). An unknown id is an
  // error "unknown scenario 'ID'; valid scenarios: ..." listing the built-ins and the files'.
  absl::StatusOr<std::vector<const Scenario*>> Resolve(const std::vector<std::string>& ids) const;
};

// What the user asked a run for, after a suite filled in its defaults.
struct PlanRequest {
  std::vector<std::string> backends;  // ids; empty or containing "all": every listed backend
  std::string backends_from;           // who named them, for errors: "" (--backend) or "suite 'ID'"
  std::vector<std::string> scenarios;  // ids; empty: every built-in scenario
  std::string mode = "auto";           // auto | controlled | perturbed
  StrategySpec strategy;               // as given: the caller adapts it to each cell's mode
  ParamOverrides overrides;
  ThreadOverrideRule thread_rule = ThreadOverrideRule::kStrict;
  uint64_t trials = 0;
  uint64_t max_steps = 20000;
  InvariantSet checked = InvariantSet::All();
};

struct RunPlan {
  std::vector<CellSpec> cells;  // backends x scenarios, backend-major; none for a backend lacking
                                // the mode when "all" chose it
  size_t backends = 0;          // chosen (before the mode filter)
  size_t scenarios = 0;
  // Backend x scenario pairs not run because the scenario has visitor writes and the backend's
  // contract forbids them (not a finding: the backend was never given the scenario).
  std::vector<std::pair<const BackendInfo*, const Scenario*>> skipped;
};

// The cells of `request`. Errors are the CLI's, in its order: an unknown backend ("...; valid
// backends: ..., all") or one that cannot run in the forced mode, an unknown scenario, a parameter
// override (ApplyOverrides), and no cell at all ("no chosen backend can run in MODE mode; ...").
absl::StatusOr<RunPlan> PlanRun(const PlanRequest& request, const BackendRegistry& registry,
                                const ScenarioSource& scenarios);

// One cell: `backend` x `scenario` in `mode` with `params`, `strategy` and `trials`.
CellSpec MakeCell(ExecMode mode, const BackendInfo& backend, const Scenario& scenario,
                  const ScenarioParams& params, const StrategySpec& strategy, uint64_t trials);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_PLAN_H_
