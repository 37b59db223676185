// The supervisor's confirmation step: each first failure a worker died of (a crash, hang or misuse)
// is replayed alone in a fresh worker, and counts as confirmed when that replay dies the same way.
#ifndef MAPFAULT_HARNESS_RUN_CONFIRMATION_H_
#define MAPFAULT_HARNESS_RUN_CONFIRMATION_H_

#include <cstdint>

#include "harness/run/cell_tally.h"
#include "harness/run/supervisor.h"

namespace mapfault {

// Replays the unconfirmed first failures of `tally` (trials of `cell` in a run seeded `run_seed`)
// and sets their `confirmed`.
void ConfirmDeaths(const CellSpec& cell, uint64_t run_seed, double watchdog_seconds,
                   CellTally& tally);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_CONFIRMATION_H_
