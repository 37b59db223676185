// Merging shard results.
#include "harness/run/merge.h"

#include <algorithm>
#include <climits>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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

std::string Name(const MergeOptions& options, size_t k) {
  return k < options.names.size() ? options.names[k] : absl::StrCat("shard ", k);
}

std::string ShardOf(const RunIdentity& id) {
  return absl::StrCat(id.shard_index, "/", id.shard_count);
}

constexpr const char* kOneRun =
    "; merge only the shards of one `mapfault run --seed N --shard I/N`";

// The identity checks of MergeResults; fills in the merged identity (the whole run: shard 0/1,
// with the missing shards listed) and whether it is partial.
absl::Status CheckShards(const std::vector<RunResults>& shards, const MergeOptions& options,
                         RunResults& merged) {
  const RunResults& first = shards.front();
  merged.seed = first.seed;
  merged.run.version = first.run.version;
  merged.run.plan = first.run.plan;
  for (const RunResults& shard : shards) {
    if (shard.seed != first.seed) {
      return absl::InvalidArgumentError(absl::StrCat("shards come from different runs (seeds ",
                                                     first.seed, " and ", shard.seed, ")",
                                                     kOneRun));
    }
  }
  std::vector<int> seen(std::max(first.run.shard_count, 1), -1);
  for (size_t k = 0; k < shards.size(); ++k) {
    const RunIdentity& id = shards[k].run;
    const std::string a = Name(options, 0), b = Name(options, k);
    if (id.version.empty()) {
      if (options.allow_partial) {
        merged.partial = true;  // unchecked: it may not be what it claims
        continue;
      }
      return absl::InvalidArgumentError(absl::StrCat(
          b, " records no run identity (an older mapfault wrote it); "
          "re-run that shard, or pass --allow-partial to merge it unchecked as a partial result"));
    }
    if (id.version != first.run.version || id.plan != first.run.plan) {
      return absl::InvalidArgumentError(absl::StrCat(
          b, " and ", a, " come from different runs (",
          id.version != first.run.version
              ? absl::StrCat("mapfault ", id.version, " and ", first.run.version)
              : absl::StrCat("plans ", id.plan, " and ", first.run.plan,
                             ": other cells, trials or parameters"),
          ")", kOneRun));
    }
    if (id.shard_count != first.run.shard_count || id.shard_index < 0 ||
        id.shard_index >= id.shard_count) {
      return absl::InvalidArgumentError(absl::StrCat(b, " is shard ", ShardOf(id), " but ", a,
                                                     " is shard ", ShardOf(first.run), kOneRun));
    }
    if (seen[id.shard_index] >= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "shard ", ShardOf(id), " is given twice (", Name(options, seen[id.shard_index]), " and ",
          b, "); give each shard once"));
    }
    seen[id.shard_index] = static_cast<int>(k);
    if (id.shard_count == 1) merged.run.missing_shards = id.missing_shards;  // a merged run
  }
  for (int i = 0; i < first.run.shard_count && !first.run.version.empty(); ++i) {
    if (seen[i] < 0) {
      merged.run.missing_shards.push_back(absl::StrCat(i, "/", first.run.shard_count));
    }
  }
  if (!merged.run.missing_shards.empty() && !options.allow_partial &&
      first.run.shard_count > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shard", merged.run.missing_shards.size() > 1 ? "s " : " ",
        absl::StrJoin(merged.run.missing_shards, ", "), " of the run missing; give every shard's "
        "directory, or pass --allow-partial for a partial result that lists them"));
  }
  merged.partial |= !merged.run.missing_shards.empty();
  return absl::OkStatus();
}

// Whether shard `s`'s first failure replaces `r` (from shard `r_shard`): it failed in an earlier
// trial, or tree shards found the same program failing and s's schedule has fewer preemptions
// (an unknown count counts as more; a tie goes to the lower shard).
bool Replaces(const FirstFailure& r, int r_shard, const FirstFailure& s, int s_shard) {
  if (r.IsLaterThan(s)) return true;
  if (s.first_failure_trial == 0 || s.first_failure_trial != r.first_failure_trial) return false;
  const auto fewer = [](int p) { return p < 0 ? INT_MAX : p; };
  return std::make_pair(fewer(s.preemptions), s_shard) <
         std::make_pair(fewer(r.preemptions), r_shard);
}

// A cell of a merge: the first shard's labels and coverage, counts zeroed for AddShard.
CellResult FreshCell(const CellResult& c) {
  CellResult fresh = c;
  fresh.trials = fresh.trials_planned = 0;
  fresh.worker_seconds = 0;
  fresh.phase_seconds = PhaseSeconds{};
  fresh.watchdog_cuts = 0;
  fresh.adaptive_watchdog_seconds = 0;
  fresh.watchdog_overruns = 0;
  fresh.overrun_replay_seconds = 0;
  for (InvariantResult& r : fresh.invariants) r = InvariantResult{};
  return fresh;
}

// Adds shard `shard`'s cell `c` into `m` (`from`: the shard each first failure came from). Trial
// slices add up; tree shards each ran every program, so their trial and failure counts are not
// added: the largest is kept (a lower bound of the programs that failed in some shard).
void AddShard(CellResult& m, const CellResult& c, int shard, std::vector<int>& from) {
  const bool tree = c.coverage.tree_shards > 1;
  const auto add = [tree](uint64_t& into, uint64_t n) {
    into = tree ? std::max(into, n) : into + n;
  };
  add(m.trials, c.trials);
  add(m.trials_planned, c.trials_planned);
  m.worker_seconds += c.worker_seconds;
  m.phase_seconds += c.phase_seconds;
  m.watchdog_cuts += c.watchdog_cuts;
  m.adaptive_watchdog_seconds = std::max(m.adaptive_watchdog_seconds, c.adaptive_watchdog_seconds);
  m.watchdog_overruns += c.watchdog_overruns;
  m.overrun_replay_seconds = std::max(m.overrun_replay_seconds, c.overrun_replay_seconds);
  for (int i = 0; i < kInvariantCount; ++i) {
    const InvariantResult& s = c.invariants[i];
    InvariantResult& r = m.invariants[i];
    add(r.evaluated, s.evaluated);
    add(r.failures, s.failures);
    add(r.undecided, s.undecided);
    if (Replaces(r, from[i], s, shard)) {
      r.first_failure() = s.first_failure();
      from[i] = shard;
    }
    if (s.failures > 0 && Strength(s.verdict) > Strength(r.verdict)) r.verdict = s.verdict;
  }
}

}  // namespace

absl::StatusOr<RunResults> MergeResults(const std::vector<RunResults>& shards,
                                        const MergeOptions& options) {
  RunResults merged;
  if (shards.empty())
    return absl::InvalidArgumentError("nothing to merge: give result directories");
  if (absl::Status s = CheckShards(shards, options, merged); !s.ok()) return s;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, size_t> index;
  std::vector<std::vector<int>> from;  // per merged cell and invariant: the first failure's shard
  for (const RunResults& shard : shards) {
    merged.partial |= shard.partial;
    merged.seconds = std::max(merged.seconds, shard.seconds);
    for (const CellResult& c : shard.cells) {
      const auto key = std::make_tuple(c.backend, c.scenario, c.strategy, c.mode);
      auto [it, inserted] = index.emplace(key, merged.cells.size());
      if (inserted) {
        merged.cells.push_back(FreshCell(c));
        from.emplace_back(kInvariantCount, INT_MAX);
      }
      CellResult& m = merged.cells[it->second];
      if (!inserted) MergeCoverage(m.coverage, c.coverage);  // the first shard's is m's already
      AddShard(m, c, shard.run.shard_index, from[it->second]);
    }
  }
  for (CellResult& c : merged.cells) {
    for (InvariantResult& r : c.invariants) {
      if (r.failures == 0) r.verdict = r.evaluated > 0 ? Verdict::kHolds : Verdict::kNotRun;
    }
    Coverage& cov = c.coverage;
    if (cov.tree_shards > 1) {
      cov.tree_shard = -1;
      if (!merged.run.missing_shards.empty()) {  // a missing shard's parts were never searched
        cov.complete = false;
        cov.programs_complete = 0;
        cov.bound_complete = -1;
      }
    }
  }
  return merged;
}

}  // namespace mapfault
