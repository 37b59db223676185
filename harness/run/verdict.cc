// Verdict rules.
#include "harness/run/verdict.h"

#include <algorithm>

namespace mapfault {

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kHolds: return "HOLDS";
    case Verdict::kBroken: return "BROKEN";
    case Verdict::kOutOfContract: return "OUT_OF_CONTRACT";
    case Verdict::kDetected: return "DETECTED";
    case Verdict::kNotRun: return "NOT_RUN";
  }
  return "?";
}

Verdict Judge(Invariant inv, uint64_t evaluated, uint64_t failures, uint64_t claimed_failures) {
  if (failures == 0) return evaluated == 0 ? Verdict::kNotRun : Verdict::kHolds;
  if (inv == Invariant::kMisuseDetected) return Verdict::kDetected;
  return claimed_failures > 0 ? Verdict::kBroken : Verdict::kOutOfContract;
}

void MergeCoverage(Coverage& into, const Coverage& shard) {
  if (into.tree_shards > 1) {
    // The same programs in every shard: a program is fully explored when every shard's part of
    // it is, and of P programs at least a + b - P are complete in both of two shards.
    const uint64_t programs = std::max(into.programs, shard.programs);
    const uint64_t both = into.programs_complete + shard.programs_complete;
    into.programs_complete = both > programs ? both - programs : 0;
    into.programs = programs;
    into.tree_shard = -1;
  } else {
    into.programs += shard.programs;
    into.programs_complete += shard.programs_complete;
  }
  into.schedules += shard.schedules;
  into.bound_complete = std::min(into.bound_complete, shard.bound_complete);
  into.complete = into.complete && shard.complete;
  into.reduced = into.reduced && shard.reduced;
  if (into.stale_read_bound && shard.stale_read_bound) {
    into.stale_read_bound = std::min(*into.stale_read_bound, *shard.stale_read_bound);
  } else {
    into.stale_read_bound.reset();
  }
  if (into.distinct_schedules && shard.distinct_schedules) {
    *into.distinct_schedules += *shard.distinct_schedules;
  } else {
    into.distinct_schedules.reset();
  }
  if (into.stale_reads && shard.stale_reads) {
    *into.stale_reads += *shard.stale_reads;
  } else {
    into.stale_reads.reset();
  }
  if (into.pct_bound && shard.pct_bound) {
    into.pct_bound = std::min(*into.pct_bound, *shard.pct_bound);
  } else {
    into.pct_bound.reset();
  }
}

int RunResults::ExitCode() const {
  for (const CellResult& c : cells) {
    for (const InvariantResult& r : c.invariants) {
      if (r.verdict == Verdict::kBroken) return kExitBroken;
    }
  }
  return partial ? kExitPartial : kExitHolds;
}

}  // namespace mapfault
