// The supervisor's reproduction step: how often each perturbed break reproduces. The first failing
// trial of each invariant is replayed N times, each alone in a fresh worker, once per distinct trial
// (one replay serves every invariant that trial broke). Hangs are not replayed (each replay would
// cost a watchdog period); controlled breaks replay exactly and need no measuring.
#ifndef MAPFAULT_HARNESS_RUN_REPRODUCTION_H_
#define MAPFAULT_HARNESS_RUN_REPRODUCTION_H_

#include <csignal>
#include <cstdint>

#include "harness/run/cell_tally.h"
#include "harness/run/supervisor.h"

namespace mapfault {

struct ReproductionOptions {
  int replays = 10;  // per distinct trial; 0: off
  double watchdog_seconds = 10;
  const volatile std::sig_atomic_t* stop = nullptr;  // non-zero: replay no further trial
};

// Sets `reproduced` and `replays` of the first failures of `tally` (trials of `cell`, a perturbed
// cell, in a run seeded `run_seed`).
void MeasureReproduction(const CellSpec& cell, uint64_t run_seed, const ReproductionOptions& options,
                         CellTally& tally);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_REPRODUCTION_H_
