// Isolation: trials run in worker processes forked, in batches, from the single-threaded supervisor
// (the mapfault process itself, which never runs backend code). A worker reports each failing trial
// over a pipe and its current trial through shared memory, so when it dies by a signal, aborts, or
// overruns the watchdog, the supervisor knows exactly which trial did it, records the finding, and
// starts a fresh worker on the rest of the batch. A crash or hang is then replayed alone in another
// fresh worker to confirm it.
#ifndef MAPFAULT_HARNESS_RUN_SUPERVISOR_H_
#define MAPFAULT_HARNESS_RUN_SUPERVISOR_H_

#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/run/batch_queue.h"
#include "harness/run/identity.h"
#include "harness/run/token.h"
#include "harness/base/trace.h"
#include "harness/run/trial.h"
#include "harness/run/verdict.h"
#include "harness/run/worker.h"

namespace mapfault {

// One cell of the matrix: a trial identity (backend, scenario, strategy, ...), run for `trials`
// trials.
struct CellSpec : TrialIdentity {
  uint64_t trials = 0;
  // Stop the cell at its first failing trial (the bug-finding benchmark): the worker that finds it
  // ends its batch there, and no further batch of the cell starts. Trials dispatched before the
  // failing one still finish, so the first failing trial reported is the earliest one.
  bool stop_at_first_failure = false;
  // The invariants to judge (a suite may check fewer); the others are reported NOT_RUN.
  InvariantSet checked = InvariantSet::All();
};

struct Progress {
  uint64_t planned = 0;
  uint64_t done = 0;
  uint64_t failing = 0;  // trials that broke at least one invariant
  double seconds = 0;
};

struct SupervisorOptions {
  uint64_t seed = 1;
  int jobs = 1;
  uint64_t batch = 0;               // trials per worker; 0 = automatic
  double watchdog_seconds = 10;     // a single trial running longer is a hang
  double time_budget_seconds = 0;   // stop dispatching after this long (0 = none)
  uint64_t max_crashes_per_cell = 200;  // a cell whose workers died this often stops early
  uint64_t max_hangs_per_cell = 3;      // ... or hung this often (each hang costs a watchdog period)
  // The adaptive watchdog: once a trial of a cell overran the full watchdog (a hang), the cell's
  // further trials may run max(floor x the program's watchdog scale, factor x the cell's median
  // trial time), at most the full watchdog; a trial that overruns it is cut: undecided (no-hang
  // and its history invariants), never a hang; a cell stops after max_watchdog_cuts_per_cell cuts.
  // Until a cell's first hang every trial gets the full watchdog, so no trial is cut (and no slow
  // trial is judged) before the cell has shown a hang at the full watchdog.
  bool adaptive_watchdog = true;
  double adaptive_floor_seconds = 0.25;
  double adaptive_factor = 20;
  uint64_t max_watchdog_cuts_per_cell = 10;
  // Set to 1 (e.g. by SIGINT) to stop dispatching and let running batches finish; to
  // `abandon_at_stop` or more to also abandon the running batches (their finished trials count).
  const volatile std::sig_atomic_t* stop = nullptr;
  int abandon_at_stop = 2;  // 1: the first stop request kills running batches too (one long batch)
  // Run only this shard's slice of every cell's trials (see SliceForShard), or of an exhaustive
  // cell (SplitsScheduleTrees) every trial, searching only this shard's part of each program's
  // schedule tree (strategies/tree_shard.h).
  int shard_index = 0;
  int shard_count = 1;
  // Replays of each perturbed cell's first failing trial, to measure its reproduction rate (0: off).
  // Hangs are not replayed again (each replay would cost a watchdog period).
  int reproduction_replays = 10;
  std::function<void(const Progress&)> on_progress;  // called about 10 times a second
};

// The replay token of a trial of `spec` that broke `inv` (choices: its recorded schedule, for a
// controlled trial). The token carries the program when the scenario and seed cannot regenerate it.
ReplayToken MakeToken(const TrialSpec& spec, Invariant inv,
                      std::optional<std::vector<uint8_t>> choices);

// The trial of `cell` with 0-based index `trial` in a run seeded `run_seed`.
TrialSpec SpecFor(const CellSpec& cell, uint64_t run_seed, uint64_t trial);

// A stable (across processes, machines and builds) 16-hex-digit fingerprint of what `cells` run:
// each cell's backend, scenario, parameters, mode, strategy, trials, step bound and checked
// invariants. Shards of one run share it; `mapfault merge` refuses shards whose plans differ.
std::string PlanFingerprint(const std::vector<CellSpec>& cells);

// Runs every cell in worker processes and returns their results with verdicts.
RunResults RunCells(const std::vector<CellSpec>& cells, const SupervisorOptions& options);

// Whether --shard splits `cell`'s programs' schedule trees rather than its trials: an exhaustive
// search in controlled mode. (SliceForShard, the shard slice of a cell's trials: batch_queue.h.)
bool SplitsScheduleTrees(const CellSpec& cell);

// Cell key for seeds: stable across processes and machines.
uint64_t CellKey(const std::string& backend, const std::string& scenario);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_SUPERVISOR_H_
