// Verdict rules.
#include "harness/run/verdict.h"

#include <algorithm>
#include <optional>

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

namespace {

// An optional figure of merged shards: combined when both have it, else unknown.
template <class T, class Combine>
void MergeKnown(std::optional<T>& into, const std::optional<T>& shard, Combine combine) {
  if (into && shard) {
    into = combine(*into, *shard);
  } else {
    into.reset();
  }
}

}  // namespace

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
  const auto least = [](auto a, auto b) { return std::min(a, b); };
  const auto sum = [](uint64_t a, uint64_t b) { return a + b; };
  MergeKnown(into.stale_read_bound, shard.stale_read_bound, least);
  MergeKnown(into.distinct_schedules, shard.distinct_schedules, sum);
  MergeKnown(into.stale_reads, shard.stale_reads, sum);
  MergeKnown(into.pct_bound, shard.pct_bound, least);
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
