// Merging shard results.
#include "harness/run/merge.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace mapfault {
namespace {

int Strength(Verdict v) {
  switch (v) {
    case Verdict::kBroken: return 3;
    case Verdict::kDetected: return 2;
    case Verdict::kOutOfContract: return 1;
    default: return 0;
  }
}

}  // namespace

absl::StatusOr<RunResults> MergeResults(const std::vector<RunResults>& shards) {
  RunResults merged;
  if (shards.empty()) return absl::InvalidArgumentError("nothing to merge: give result directories");
  merged.seed = shards.front().seed;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, size_t> index;
  for (const RunResults& shard : shards) {
    if (shard.seed != merged.seed) {
      return absl::InvalidArgumentError(
          absl::StrCat("shards come from different runs (seeds ", merged.seed, " and ", shard.seed,
                       "); merge only the shards of one `mapfault run --seed N --shard I/N`"));
    }
    merged.partial |= shard.partial;
    merged.seconds = std::max(merged.seconds, shard.seconds);
    for (const CellResult& c : shard.cells) {
      const auto key = std::make_tuple(c.backend, c.scenario, c.strategy, c.mode);
      auto [it, inserted] = index.emplace(key, merged.cells.size());
      if (inserted) {
        CellResult fresh = c;
        fresh.trials = fresh.trials_planned = 0;
        fresh.worker_seconds = 0;
        for (InvariantResult& r : fresh.invariants) r = InvariantResult{};
        merged.cells.push_back(std::move(fresh));
      }
      CellResult& m = merged.cells[it->second];
      m.trials += c.trials;
      m.trials_planned += c.trials_planned;
      m.worker_seconds += c.worker_seconds;
      for (int i = 0; i < kInvariantCount; ++i) {
        const InvariantResult& s = c.invariants[i];
        InvariantResult& r = m.invariants[i];
        r.evaluated += s.evaluated;
        r.failures += s.failures;
        r.undecided += s.undecided;
        if (r.IsLaterThan(s)) r.first_failure() = s.first_failure();
        if (s.failures > 0 && Strength(s.verdict) > Strength(r.verdict)) r.verdict = s.verdict;
      }
    }
  }
  for (CellResult& c : merged.cells) {
    for (InvariantResult& r : c.invariants) {
      if (r.failures == 0) r.verdict = r.evaluated > 0 ? Verdict::kHolds : Verdict::kNotRun;
    }
  }
  return merged;
}

}  // namespace mapfault
