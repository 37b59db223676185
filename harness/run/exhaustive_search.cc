// The bounded-exhaustive search of one program (see exhaustive_search.h).
#include "harness/run/exhaustive_search.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "harness/strategies/exhaustive_strategy.h"

namespace mapfault {
namespace {

// Each violation of the failing schedule says how it was found (and in which tree shard).
void Annotate(TrialResult& r, const SearchOutcome& search, const StrategySpec& strategy,
              std::optional<Invariant> target) {
  const std::string p = Preemptions(r.run.preemptions);
  const bool shard = strategy.tree_shards > 1;
  const std::string where =
      shard ? absl::StrCat(" of shard ", strategy.tree_shard, "/", strategy.tree_shards,
                           " of the schedule tree")
            : std::string();
  const std::string part = shard ? "this shard's part" : "this program";
  for (Violation& v : r.violations) {
    if (target) {
      const std::string id(InvariantId(*target));
      absl::StrAppend(&v.explanation, " (exhaustive search", where, ": the first of ",
                      search.schedules, " schedules to break ", id, ", with ", p,
                      ", the fewest any schedule of ", part, " breaking ", id, " has)");
    } else {
      absl::StrAppend(&v.explanation, " (exhaustive search", where,
                      ": the first failing schedule of ", search.schedules, ", with ", p,
                      ", the fewest any failing schedule of ", part, " has)");
    }
  }
}

// Whether the schedule `r` ends the search: it breaks `target`, or (no target) anything.
bool EndsSearch(const TrialResult& r, std::optional<Invariant> target) {
  if (!target) return !r.violations.empty();
  for (const Violation& v : r.violations) {
    if (v.invariant == *target) return true;
  }
  return false;
}

}  // namespace

std::string Preemptions(int n) {
  return absl::StrCat(n, n == 1 ? " preemption" : " preemptions");
}

int SearchedStaleBound(const StrategySpec& strategy) {
  return strategy.memory_model == MemoryModel::kC11 ? strategy.stale_bound : 0;
}

bool ExhaustiveReduces(const StrategySpec& strategy, const BackendInfo& backend) {
  return strategy.reduction && backend.race_checked;
}

TrialResult RunExhaustiveSearch(const TrialSpec& spec) {
  TrialSpec each = spec;
  each.program = spec.program ? spec.program : std::make_shared<const Program>(ProgramFor(spec));
  const uint64_t budget = spec.strategy.max_schedules;
  ExhaustiveStrategy strategy(
      spec.strategy.preemption_bound, ExhaustiveReduces(spec.strategy, *spec.backend),
      spec.strategy.tree_shard, spec.strategy.tree_shards, SearchedStaleBound(spec.strategy));
  SearchOutcome search;
  InvariantSet undecided;
  TrialResult last;
  TrialPhases phases;  // every schedule's, so the search's phases are its whole cost
  const auto finish = [&phases](TrialResult& r) {
    r.phases.trial_ns = phases.trial_ns;
    r.phases.checking_ns = phases.checking_ns;
  };
  while (true) {
    if (budget != 0 && search.schedules >= budget) {
      search.stopped = absl::StrCat("stopped by --max-schedules after ", search.schedules,
                                    " schedules, in the round of ", strategy.round(),
                                    " preemptions");
      break;
    }
    if (!ScheduleStarted()) {
      search.stopped = absl::StrCat("stopped by --time-budget after ", search.schedules,
                                    " schedules, in the round of ", strategy.round(),
                                    " preemptions");
      break;
    }
    if (spec.trace != nullptr) *spec.trace->count = 0;
    TrialResult r = RunControlledSchedule(each, strategy);
    phases.trial_ns += r.phases.trial_ns;
    phases.checking_ns += r.phases.checking_ns;
    ++search.executions;
    if (strategy.diverged()) {
      search.stopped = absl::StrCat(strategy.Error(), "; the search stopped");
      last = std::move(r);
      break;
    }
    search.pruned += strategy.pruned() && !strategy.foreign() ? 1 : 0;
    search.foreign += strategy.foreign() ? 1 : 0;
    if (strategy.IsNewSchedule()) {
      ++search.schedules;
      undecided = InvariantSet::FromBits(undecided.bits() | r.undecided.bits());
      if (EndsSearch(r, spec.search_target)) {
        Annotate(r, search, spec.strategy, spec.search_target);
        r.undecided = undecided;
        r.search = std::move(search);
        finish(r);
        return r;
      }
    }
    // A pruned one ended early, unjudged; one that failed without being judged is another tree
    // shard's schedule (or its path to it), which that shard reports.
    if (!strategy.pruned() && r.violations.empty()) last = std::move(r);
    const int round = strategy.round();
    if (!strategy.Advance()) {
      search.bound_complete = round;
      search.complete = true;
      break;
    }
    if (strategy.round() != round) search.bound_complete = round;
  }
  last.undecided = undecided;
  last.search = std::move(search);
  finish(last);
  return last;
}

}  // namespace mapfault
