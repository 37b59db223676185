// What identifies a trial apart from its seed (mode, backend, scenario, parameters, strategy, step
// bound), in the three forms the run carries it, and a cell's first failure of an invariant.
// The specs, tokens and results derive from these plain structs (one level, data only) instead of
// repeating their fields, so that their members stay spelled as before (`cell.backend`) for the
// reporters and tests, and the supervisor, replay and merge copy them as one value.
#ifndef MAPFAULT_HARNESS_RUN_IDENTITY_H_
#define MAPFAULT_HARNESS_RUN_IDENTITY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/run/stack.h"
#include "harness/strategies/strategy_spec.h"
#include "scenarios/scenario.h"

namespace mapfault {

// This mapfault's version (the CMake project version), recorded in results.json.
std::string_view MapfaultVersion();

// A trial's identity with its backend and scenario resolved (CellSpec, TrialSpec).
struct TrialIdentity {
  ExecMode mode = ExecMode::kControlled;
  const BackendInfo* backend = nullptr;
  const Scenario* scenario = nullptr;
  ScenarioParams params;
  StrategySpec strategy;
  uint64_t max_steps = 20000;

  TrialIdentity& identity() { return *this; }
  const TrialIdentity& identity() const { return *this; }
};

// The same identity by name, as a replay token carries it (ReplayToken); resolved again against the
// registries when replayed (TrialSpecFromToken).
struct NamedTrialIdentity {
  ExecMode mode = ExecMode::kControlled;
  std::string scenario;
  ScenarioParams params;
  std::string backend;
  StrategySpec strategy;
  uint64_t max_steps = 0;

  NamedTrialIdentity& identity() { return *this; }
  const NamedTrialIdentity& identity() const { return *this; }
};

// A cell's identity as results and reports print it (CellResult, BugBenchRow).
struct CellLabel {
  std::string backend;
  std::string scenario;
  ScenarioParams params;
  std::string mode = "controlled";
  std::string strategy;

  CellLabel& label() { return *this; }
  const CellLabel& label() const { return *this; }
};

// "controlled" / "perturbed".
std::string_view ExecModeName(ExecMode mode);

NamedTrialIdentity NameOf(const TrialIdentity& identity);
CellLabel LabelOf(const TrialIdentity& identity);
// `named` with its backend and scenario resolved (to `backend` and `scenario`, which carry its ids).
TrialIdentity ResolveIdentity(const NamedTrialIdentity& named, const BackendInfo& backend,
                              const Scenario& scenario);

// What the determinism check of a controlled finding's confirmation replays found (FirstFailure).
enum class ReplayCheck : uint8_t {
  kNotChecked,  // perturbed findings, hangs, and results written before the check existed
  kExact,       // the replays followed the original step for step: the token replays exactly
  kDiverged,    // a replay differed from the original or from another replay: nondeterministic
};
// "exact" / "diverged" / "not_checked" (results.json).
std::string_view ReplayCheckName(ReplayCheck check);
std::optional<ReplayCheck> ParseReplayCheck(std::string_view name);

// The first failing trial of one invariant in a cell (InvariantResult).
struct FirstFailure {
  uint64_t first_failure_trial = 0;  // 1-based; 0 when none
  std::string token;                 // replay token of the first failure ("" when none)
  std::string explanation;           // why the first failure broke the invariant
  std::vector<std::string> evidence; // the events that prove it
  bool confirmed = true;             // a crash/hang replayed in a fresh worker failed the same way
  // Perturbed breaks, and controlled ones whose replay diverged: the first failing trial was
  // replayed `replays` times (each in a fresh worker, same program and noise plan or schedule) and
  // broke this invariant again `reproduced` times.
  uint32_t reproduced = 0;
  uint32_t replays = 0;
  // Controlled findings: the determinism check (confirmation.h). kDiverged names the first step at
  // which a replay differed and what was expected there and what happened.
  ReplayCheck replay_check = ReplayCheck::kNotChecked;
  uint64_t diverged_at_step = 0;
  std::string divergence;
  // Where the code was when the first failure's worker died (IsolatedOutcome::stacks): the
  // crashing thread's stack, or ThreadSanitizer's racing accesses. Empty for a failure judged from
  // a history.
  std::vector<Stack> stacks;
  // The failing schedule's preemptions when an exhaustive search found it (-1: not known, or not
  // a search's): `mapfault merge` picks, of tree shards' failures in the same program, the one with
  // the fewest.
  int preemptions = -1;

  FirstFailure& first_failure() { return *this; }
  const FirstFailure& first_failure() const { return *this; }
  // Whether `other` failed earlier than this one (a failure precedes "none").
  bool IsLaterThan(const FirstFailure& other) const {
    return other.first_failure_trial != 0 &&
           (first_failure_trial == 0 || other.first_failure_trial < first_failure_trial);
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_IDENTITY_H_
