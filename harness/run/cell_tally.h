// What the supervisor learns of one cell while its trials run (trials, failures and first failures
// per invariant, worker deaths and hangs), and the cell's result built from it. Single-threaded (the
// supervisor's).
#ifndef MAPFAULT_HARNESS_RUN_CELL_TALLY_H_
#define MAPFAULT_HARNESS_RUN_CELL_TALLY_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "harness/base/types.h"
#include "harness/run/determinism.h"
#include "harness/run/identity.h"
#include "harness/run/phase_times.h"
#include "harness/run/supervisor.h"
#include "harness/run/verdict.h"
#include "harness/run/worker.h"

namespace mapfault {

struct CellTally {
  // The first failure of one invariant, and how its trial ended when its worker died of it.
  struct First {
    FirstFailure failure;  // 1-based trial; confirmed is false until a replay repeats a death
    IsolatedOutcome::Kind kind = IsolatedOutcome::Kind::kCompleted;
    int signal = 0;
    TrialFingerprint original;  // the failing trial as its worker ran it (unknown for a death)

    bool found() const { return failure.first_failure_trial != 0; }
    uint64_t trial() const { return failure.first_failure_trial - 1; }  // 0-based; when found()
    // Whether 0-based trial `t` is earlier than this first failure.
    bool Precedes(uint64_t t) const { return !found() || t < trial(); }
  };

  uint64_t trials = 0;
  uint64_t failures[kInvariantCount] = {};
  uint64_t not_evaluated[kInvariantCount] = {};
  uint64_t undecided[kInvariantCount] = {};
  uint64_t claimed_failures[kInvariantCount] = {};
  uint64_t deaths = 0;
  uint64_t hangs = 0;  // trials that overran the full watchdog, and adaptive cuts
  // Trials the adaptive watchdog cut (after a trial of the cell overran the full watchdog): no-hang
  // and the history invariants undecided. The longest such limit, in seconds.
  uint64_t watchdog_cuts = 0;
  double adaptive_watchdog_seconds = 0;
  // 0-based trials the full watchdog killed, in the order their deaths were recorded; each is
  // replayed (ConfirmHangs, confirmation.h) and either confirmed or retracted.
  std::vector<uint64_t> hang_trials;
  // Retracted hangs: trials that overran the full watchdog while a replay alone completed (the
  // machine, not the backend, was slow): no-hang and what the death hides are undecided. The
  // longest such replay, in seconds.
  uint64_t watchdog_overruns = 0;
  double overrun_replay_seconds = 0;
  // Per batch that completed a trial: the mean wall time of its completed trials.
  std::vector<double> batch_trial_seconds;
  int64_t first_failure_ns = 0;  // when the supervisor learned of the first failure (0: none)
  double worker_seconds = 0;     // wall time of this cell's workers, fork to exit
  PhaseSeconds phases;           // worker_seconds split into phases, plus the follow-up replays
  First first[kInvariantCount];
  // Coverage, from the workers' coverage lines: schedules judged (a sampled trial is one), programs
  // searched exhaustively and of them fully explored, the least bound every one explored fully,
  // the most scheduling steps a trial took, and the distinct schedules' hashes (sampled,
  // controlled).
  uint64_t schedules = 0;
  uint64_t programs = 0;
  uint64_t programs_complete = 0;
  int bound_complete = std::numeric_limits<int>::max();
  uint64_t most_steps = 0;
  uint64_t stale_reads = 0;  // weak atomic loads that read an older store (Coverage)
  absl::flat_hash_set<uint64_t> schedule_hashes;

  // A failure of `inv` reported by a worker that completed 0-based trial `trial` (`original`: how
  // that run looked, for the determinism check of its replays).
  // `preemptions`: the failing schedule's, when an exhaustive search found it (-1: not known).
  void Fail(Invariant inv, uint64_t trial, std::string token, std::string explanation,
            std::vector<std::string> evidence, TrialFingerprint original = {},
            int preemptions = -1);
  // A failure of `inv` by a worker that died running 0-based trial `trial`, the way `death` says.
  void Died(Invariant inv, uint64_t trial, std::string token, const IsolatedOutcome& death);
  // Takes back the hang of 0-based trial `trial` (one of hang_trials; `claimed`: whether its
  // backend claimed no-hang for its program): its replay alone completed in `replay_seconds`.
  void RetractHang(uint64_t trial, bool claimed, double replay_seconds);
  // Counts one trial in which the invariants of `set` were not evaluated.
  void NotEvaluated(InvariantSet set);

  // The cell's result: `planned` trials in this shard, verdicts judged over the invariants `cell`
  // checks (the others NOT_RUN).
  CellResult ToResult(const CellSpec& cell, uint64_t planned) const;
  // The cell's coverage (Coverage): exhaustive for strategy exhaustive in controlled mode, else
  // sampled.
  Coverage CoverageOf(const CellSpec& cell, uint64_t planned) const;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_CELL_TALLY_H_
