// One controlled trial: build the backend, run the program's init part, run the parallel part as
// fibers under the controlled scheduler, run the post part, and judge the history.
#ifndef MAPFAULT_HARNESS_RUN_TRIAL_H_
#define MAPFAULT_HARNESS_RUN_TRIAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/checkers/checkers.h"
#include "harness/base/history.h"
#include "harness/run/identity.h"
#include "harness/run/phase_times.h"
#include "harness/engine/scheduler.h"
#include "harness/strategies/strategy_spec.h"
#include "scenarios/scenario.h"

namespace mapfault {

// One trial: its identity (mode, backend, scenario, parameters, strategy, step bound) and seed.
struct TrialSpec : TrialIdentity {
  uint64_t seed = 0;  // drives the program and the strategy
  // When set, the trial runs this program instead of generating one from the scenario and seed.
  std::shared_ptr<const Program> program;
  // When set, the schedule replays these choices instead of asking the strategy.
  std::optional<std::vector<uint8_t>> replay_choices;
  // Replay leniently (ReplayStrategy): never diverge; the shrinker's preemption removal.
  bool lenient_replay = false;
  // An exhaustive search (strategy exhaustive, no replay_choices) stops only at a schedule that
  // breaks this invariant (the shrinker's bounded search; a replay of an exhaustive token without
  // choices: its invariant); unset, at the first schedule that breaks any.
  std::optional<Invariant> search_target;
  // Run in a fresh worker (RunTrialIsolated) with its heap shifted first: every allocation of the
  // trial lands elsewhere than in an unshifted replay. The determinism check's probe for backends
  // whose behaviour depends on heap addresses (confirmation.h).
  bool shift_heap = false;
  // Controlled: the scheduler's full trace. Perturbed: the operation events, stamped with the
  // history clock (there are no scheduling steps to show).
  TraceBuffer* trace = nullptr;
};

// What an exhaustive search of one program ran (exhaustive_search.h).
struct SearchOutcome {
  uint64_t schedules = 0;   // distinct schedules judged, each with at most the bound's preemptions
  uint64_t executions = 0;  // executions, re-runs of earlier rounds' schedules included
  uint64_t pruned = 0;      // ... of which the sleep sets cut short (equivalent to one run before)
  uint64_t foreign = 0;     // ... that reached another tree shard's subtree (cut there, unjudged)
  int bound_complete = -1;  // the largest bound all of whose schedules ran (-1: not even bound 0)
  bool complete = false;    // every schedule within the bound ran, and none failed
  std::string stopped;      // why it stopped before that ("" when complete or at a failure)
};

struct TrialResult {
  Program program;
  History history;
  RunResult run;
  std::vector<Violation> violations;  // no-hang / no-crash from the run, the rest from the history
  InvariantSet undecided;             // invariants a checker budget could not decide
  TrialPhases phases;                 // where its wall time went (filled by RunTrial)
  // An exhaustive search (strategy exhaustive, no replay_choices): the result above is its first
  // failing schedule's, or its last schedule's when none failed (undecided then collects every
  // schedule's).
  std::optional<SearchOutcome> search;
  InvariantSet violated() const;
};

// Gives a finished trial's buffers (its history's records, their yields, the run's choices, its
// program) back for the next trial on this thread, which fills them in place of allocating:
// optional, for loops that run trial after trial (the batch worker, the benchmarks). `r` is left
// valid but unspecified.
void RecycleTrialResult(TrialResult&& r);

// The program a trial seed generates (stream 1 of the seed).
Program GenerateProgram(const Scenario& scenario, const ScenarioParams& params, uint64_t seed);
// The program `spec` runs: its explicit program, or the one its scenario and seed generate.
Program ProgramFor(const TrialSpec& spec);
// What `backend` claims for a trial running `program` (its conditional contract applied).
InvariantSet ClaimsFor(const BackendInfo& backend, const Program& program);

// A rough count of a program's scheduling points (PCT places its change points among them).
uint64_t EstimateSteps(const Program& program);

// The default step bound (--max-steps): a floor under a bound that scales with the program.
inline constexpr uint64_t kDefaultMaxSteps = 20000;
// A program may take this many times its EstimateSteps before a trial counts as a livelock.
inline constexpr uint64_t kStepBoundFactor = 16;
// The livelock bound of a trial running `program`: the default `max_steps` scales to
// max(kDefaultMaxSteps, kStepBoundFactor x EstimateSteps); any other value is an explicit bound.
uint64_t StepBound(uint64_t max_steps, const Program& program);
// Whether a trial of `program` that exceeded `bound` steps shows a livelock of the backend: the
// bound was far above what the program needs (kStepBoundFactor x its estimate). Otherwise the
// harness limit (an explicit --max-steps too small for the program) ended the trial.
bool StepBoundJudgesLivelock(uint64_t bound, const Program& program);
// How many watchdog periods a trial of `program` may run: 1, or its estimated steps per
// kDefaultMaxSteps for programs larger than that (the watchdog scales with the work, too).
uint64_t WatchdogScale(const Program& program);

// The seed of the strategy (stream 2 of the trial seed).
uint64_t StrategySeed(uint64_t trial_seed);
// The seed of trial `index` of a cell in a run with `run_seed`.
uint64_t TrialSeed(uint64_t run_seed, uint64_t cell_key, uint64_t index);

// The seed of the trial running (or last run) in this process; lets test-only backends misbehave on a
// chosen trial.
uint64_t CurrentTrialSeed();

// Runs one trial in this process, in spec.mode. A perturbed trial runs its logical threads on real
// threads (reused across trials, created on first use) with the noise plan of spec.strategy.
TrialResult RunTrial(const TrialSpec& spec);
TrialResult RunPerturbedTrial(const TrialSpec& spec);

// Runs one trial in this process. A backend that crashes takes the process with it: callers that
// must survive that run trials in a worker (supervisor.h). A trial of strategy exhaustive without
// replay_choices is the bounded search of its program (RunExhaustiveSearch).
TrialResult RunControlledTrial(const TrialSpec& spec);
// One execution of `spec`'s program under `strategy` (spec.replay_choices and spec.strategy are
// not consulted).
TrialResult RunControlledSchedule(const TrialSpec& spec, Strategy& strategy);

// Called at the start of every schedule a trial runs (one, or each of an exhaustive search's): the
// worker restarts its watchdog there, so the watchdog bounds one schedule. It returns false when
// the run is out of its --time-budget: an exhaustive search then stops, incomplete. Null: nothing
// (ScheduleStarted returns true).
void SetScheduleStartHook(bool (*hook)());
bool ScheduleStarted();
// Called by every trial (and every schedule of a search) once its program is known, before any
// of it runs: a worker sets its watchdog's scale from it (WatchdogScale), instead of generating
// the program a second time. Null: nothing.
void SetProgramReadyHook(void (*hook)(const Program& program));

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_TRIAL_H_
