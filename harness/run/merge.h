// `mapfault merge`: combines the results of shards of one run into the results of the whole run.
#ifndef MAPFAULT_HARNESS_RUN_MERGE_H_
#define MAPFAULT_HARNESS_RUN_MERGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/run/verdict.h"

namespace mapfault {

struct MergeOptions {
  // Merge even when shards are missing (the result is partial and lists them) or when a shard's
  // results.json predates the run identity (it cannot be checked; the result is partial).
  bool allow_partial = false;
  // What to call each shard in an error ("s0/results.json"); "shard K" (K = its position) if empty.
  std::vector<std::string> names;
};

// Checks first that the shards make up one run exactly once (docs/sharding.md): the same seed, plan
// and mapfault version, shards I/N of the same N, no shard twice, none missing (unless
// options.allow_partial); InvalidArgument naming the offending shards otherwise.
// Then sums trials, failures and undecided counts per cell and invariant, keeps the earliest failure
// (its trial, token, explanation and evidence) and re-derives each verdict: HOLDS or NOT_RUN when no
// shard failed, otherwise the strongest failing verdict (BROKEN over DETECTED over OUT_OF_CONTRACT).
absl::StatusOr<RunResults> MergeResults(const std::vector<RunResults>& shards,
                                        const MergeOptions& options = {});

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_MERGE_H_
