// Confirmation replays of worker deaths.
#include "harness/run/confirmation.h"

namespace mapfault {

void ConfirmDeaths(const CellSpec& cell, uint64_t run_seed, double watchdog_seconds,
                   CellTally& tally) {
  for (CellTally::First& f : tally.first) {
    if (!f.found() || f.failure.confirmed) continue;
    const IsolatedOutcome o = RunTrialIsolated(SpecFor(cell, run_seed, f.trial()), watchdog_seconds);
    f.failure.confirmed = o.kind == f.kind && o.signal == f.signal;
  }
}

}  // namespace mapfault
