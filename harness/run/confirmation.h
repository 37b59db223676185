// The supervisor's confirmation step: each first failure a worker died of (a crash, hang or misuse)
// is replayed alone in a fresh worker, and counts as confirmed when that replay dies the same way.
// Then the determinism check of controlled findings (determinism.h): each first failing trial
// (but a hang) is replayed twice in fresh workers, the second time with its heap shifted, and the
// replays are compared with the original run and with each other. A finding whose replays agree
// replays exactly; one whose replays diverge is marked so (the first divergent step named), and its
// reproduction rate is measured as a perturbed break's is.
#ifndef MAPFAULT_HARNESS_RUN_CONFIRMATION_H_
#define MAPFAULT_HARNESS_RUN_CONFIRMATION_H_

#include <cstdint>

#include "harness/run/cell_tally.h"
#include "harness/run/reproduction.h"
#include "harness/run/supervisor.h"

namespace mapfault {

// Replays the unconfirmed first failures of `tally` (trials of `cell` in a run seeded `run_seed`)
// and sets their `confirmed`. Every trial the full watchdog killed (tally.hang_trials) is replayed
// first: one whose replays alone complete did not hang, and its hang is taken back
// (CellTally::RetractHang: undecided, a harness limit; docs/cli.md "A slow machine is not a hang").
void ConfirmDeaths(const CellSpec& cell, uint64_t run_seed, double watchdog_seconds,
                   CellTally& tally);

// The determinism check of the first failures of `tally` (trials of `cell`, a controlled cell, in a
// run seeded `run_seed`): sets their replay_check, and for a divergence diverged_at_step,
// divergence, and the reproduction rate over options.replays replays (at least the two compared).
void CheckDeterminism(const CellSpec& cell, uint64_t run_seed, const ReproductionOptions& options,
                      CellTally& tally);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_CONFIRMATION_H_
