// Verdicts per (backend, scenario, invariant) and the result model every reporter consumes.
#ifndef MAPFAULT_HARNESS_RUN_VERDICT_H_
#define MAPFAULT_HARNESS_RUN_VERDICT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/base/types.h"
#include "harness/run/identity.h"
#include "harness/run/phase_times.h"
#include "scenarios/scenario.h"

namespace mapfault {

enum class Verdict : uint8_t { kHolds, kBroken, kOutOfContract, kDetected, kNotRun };
std::string_view VerdictName(Verdict v);  // "HOLDS", "BROKEN", ...

// HOLDS when no evaluated trial failed; on failures: DETECTED for misuse-detected, BROKEN when a
// failing trial's contract claimed the invariant, OUT_OF_CONTRACT otherwise; NOT_RUN when nothing
// was evaluated.
// `claimed_failures` counts the failures in trials whose contract claimed the invariant (a backend
// with a conditional contract may claim it in some trials only).
Verdict Judge(Invariant inv, uint64_t evaluated, uint64_t failures, uint64_t claimed_failures);

// One invariant in one cell: its counts, verdict and first failure (FirstFailure's fields).
struct InvariantResult : FirstFailure {
  Verdict verdict = Verdict::kNotRun;
  uint64_t evaluated = 0;            // trials in which the invariant was judged
  uint64_t failures = 0;
  uint64_t undecided = 0;            // trials a checker budget could not decide (not evaluated)
};

// What a cell's trials covered (results.json `coverage`; docs/cli.md). A HOLDS means "no failure
// in this coverage".
struct Coverage {
  enum class Kind : uint8_t { kSampled, kExhaustive };
  Kind kind = Kind::kSampled;
  // kExhaustive (strategy exhaustive:pb=K): every program's search covers the schedules with at
  // most `preemption_bound` preemptions.
  int preemption_bound = 0;
  uint64_t programs = 0;           // programs searched (trials)
  uint64_t programs_complete = 0;  // ... whose bounded space was fully explored without failure
  uint64_t schedules = 0;          // distinct schedules judged, over all programs
  // The largest bound every searched program explored fully (-1: some not even bound 0); less than
  // preemption_bound only when a search stopped early (--max-schedules, a failure).
  int bound_complete = -1;
  // Every planned program's bounded space fully explored (no failure, no budget stop).
  bool complete = false;
  // kExhaustive: the searches ran with partial-order reduction (sleep sets: of interleavings that
  // differ only in the order of independent steps, one runs), so `schedules` counts
  // representatives; results.json's "reduction": "sleep-sets", else "none".
  bool reduced = false;
  // kExhaustive under the c11 memory model: at most this many weak loads of a schedule read an
  // older store than the latest ("exhaustive:pb=K,stale=S"; 0: every load read the latest, and
  // the guarantee is about those executions only). Absent under sc, where loads read the latest.
  std::optional<int> stale_read_bound;
  // kExhaustive under --shard I/N: each program's schedule tree was split `tree_shards` ways
  // (strategies/tree_shard.h) and every shard searched every program; these results are tree
  // shard `tree_shard`'s part (-1: merged, the parts of the shards that were merged). 1: whole.
  int tree_shards = 1;
  int tree_shard = -1;
  // kSampled: distinct schedules among the trials (hashes of their choice sequences; controlled
  // mode only, else absent; summed over merged shards, so then an upper bound).
  std::optional<uint64_t> distinct_schedules;
  // kSampled, controlled under --memory-model c11: the weak atomic loads that read an older store
  // than the latest (memory-model.md); 0 says weak behaviours were never exercised. Else absent.
  std::optional<uint64_t> stale_reads;
  // kSampled with PCT depth d: the per-trial probability 1/(n k^(d-1)) of hitting a given depth-d
  // bug (n threads, k the most scheduling steps a trial took); a depth-d bug survives N trials
  // with probability at most (1-p)^N.
  std::optional<double> pct_bound;
};

// One cell: its label (backend, scenario, parameters, mode, strategy) and results.
struct CellResult : CellLabel {
  uint64_t trials_planned = 0;
  uint64_t trials = 0;  // trials run
  // Wall time of the worker processes that ran this cell (fork to exit, summed over workers): the
  // cell's throughput is trials / worker_seconds, per worker.
  double worker_seconds = 0;
  // Where the cell's time went (phase_times.h): worker_seconds split into phases, plus the
  // supervisor's follow-up replays of its findings (kReplays, outside worker_seconds).
  PhaseSeconds phase_seconds;
  // Seconds from the start of the run until the supervisor learned of the cell's first failure
  // (0 when none); the bug-finding benchmark's wall time to detect.
  double first_failure_seconds = 0;
  // Trials cut by the adaptive watchdog (which applies in a cell after one of its trials overran
  // the full watchdog): their no-hang and history invariants are undecided, never a hang. The
  // longest adaptive limit used, in seconds (0: none).
  uint64_t watchdog_cuts = 0;
  double adaptive_watchdog_seconds = 0;
  // Trials that overran the full watchdog but whose replay alone completed (CellTally): undecided,
  // a harness limit. The longest such replay, in seconds.
  uint64_t watchdog_overruns = 0;
  double overrun_replay_seconds = 0;
  InvariantResult invariants[kInvariantCount];
  Coverage coverage;
};
// Adds `shard`'s coverage of a cell into `into` (`mapfault merge`); `into` starts as the first
// shard's. Trial slices sum their programs; tree shards (tree_shards > 1) all searched the same
// programs, so those are not summed: schedules are (the parts are disjoint), programs_complete
// becomes a lower bound of the programs every shard fully explored.
void MergeCoverage(Coverage& into, const Coverage& shard);

// Which run, and which shard of it, produced a set of results: what `mapfault merge` checks before
// it adds shards up (docs/sharding.md). A results.json written before these fields has an empty
// `version` (its identity is unknown).
struct RunIdentity {
  std::string version;  // the mapfault that ran it (MapfaultVersion)
  std::string plan;     // PlanFingerprint of the cells: what ran, with which parameters
  int shard_index = 0;
  int shard_count = 1;
  // A merge given --allow-partial: the shards it did not get, as "I/N".
  std::vector<std::string> missing_shards;
};

// The exit statuses of every command (docs/cli.md#exit-codes has the table).
inline constexpr int kExitHolds = 0;    // every claimed guarantee held (replay: passes now)
inline constexpr int kExitBroken = 1;   // a claimed guarantee broke (replay: broke again)
inline constexpr int kExitUsage = 2;    // usage or input error: one line on stderr
inline constexpr int kExitPartial = 3;  // nothing broke, but not every planned trial ran

struct RunResults {
  uint64_t seed = 0;
  RunIdentity run;
  bool partial = false;  // interrupted or out of time before every planned trial ran
  double seconds = 0;
  std::vector<CellResult> cells;
  // kExitBroken when any verdict is BROKEN, else kExitPartial when `partial` (interrupted, or out
  // of time), else kExitHolds.
  int ExitCode() const;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_VERDICT_H_
