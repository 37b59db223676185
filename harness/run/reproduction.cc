// Reproduction-rate replays of perturbed breaks.
#include "harness/run/reproduction.h"

#include <vector>

#include "absl/container/flat_hash_map.h"

namespace mapfault {

void MeasureReproduction(const CellSpec& cell, uint64_t run_seed, const ReproductionOptions& options,
                         CellTally& tally) {
  if (options.replays <= 0 || cell.mode != ExecMode::kPerturbed) return;
  absl::flat_hash_map<uint64_t, std::vector<InvariantSet>> replayed;  // trial -> broken per replay
  for (const CellTally::First& f : tally.first) {
    if (!f.found() || f.kind == IsolatedOutcome::Kind::kHang) continue;
    if (options.stop != nullptr && *options.stop != 0) break;
    auto [it, fresh] = replayed.try_emplace(f.trial());
    if (!fresh) continue;
    const TrialSpec spec = SpecFor(cell, run_seed, f.trial());
    for (int i = 0; i < options.replays; ++i) {
      InvariantSet broke;
      for (const Violation& v : RunTrialIsolated(spec, options.watchdog_seconds).AllViolations()) {
        broke.Add(v.invariant);
      }
      it->second.push_back(broke);
    }
  }
  for (Invariant inv : kAllInvariants) {
    CellTally::First& f = tally.first[static_cast<int>(inv)];
    if (!f.found()) continue;
    auto it = replayed.find(f.trial());
    if (it == replayed.end()) continue;
    f.failure.replays = static_cast<uint32_t>(it->second.size());
    for (const InvariantSet& broke : it->second) f.failure.reproduced += broke.Contains(inv);
  }
}

}  // namespace mapfault
