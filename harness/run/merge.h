// `mapfault merge`: combines the results of shards of one run into the results of the whole run.
#ifndef MAPFAULT_HARNESS_RUN_MERGE_H_
#define MAPFAULT_HARNESS_RUN_MERGE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "harness/run/verdict.h"

namespace mapfault {

// Sums trials, failures and undecided counts per cell and invariant, keeps the earliest failure
// (its trial, token, explanation and evidence) and re-derives each verdict: HOLDS or NOT_RUN when no
// shard failed, otherwise the strongest failing verdict (BROKEN over DETECTED over OUT_OF_CONTRACT).
// Fails (InvalidArgument) when the shards come from runs with different seeds.
absl::StatusOr<RunResults> MergeResults(const std::vector<RunResults>& shards);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_MERGE_H_
