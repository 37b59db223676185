// Per-cell accumulation and result building.
#include "harness/run/cell_tally.h"

#include "harness/run/exhaustive_search.h"

#include <algorithm>
#include <cmath>

namespace mapfault {
namespace {

// Whether a cell's trials are judged for data races: only a ThreadSanitizer build sees them, only
// real threads race, and only code TSan instruments counts.
bool RaceJudged(const CellSpec& cell) {
  if (cell.mode == ExecMode::kControlled) return cell.backend->race_checked;
  return kTsanBuild && cell.backend->tsan_visible;
}

}  // namespace

void CellTally::Fail(Invariant inv, uint64_t trial, std::string token, std::string explanation,
                     std::vector<std::string> evidence, TrialFingerprint original,
                     int preemptions) {
  First& f = first[static_cast<int>(inv)];
  if (!f.Precedes(trial)) return;
  f.failure.first_failure_trial = trial + 1;
  f.failure.token = std::move(token);
  f.failure.explanation = std::move(explanation);
  f.failure.evidence = std::move(evidence);
  f.failure.confirmed = true;  // the worker reported it: nothing to confirm
  f.failure.stacks.clear();
  f.failure.preemptions = preemptions;
  f.kind = IsolatedOutcome::Kind::kCompleted;
  f.signal = 0;
  f.original = std::move(original);
}

void CellTally::Died(Invariant inv, uint64_t trial, std::string token,
                     const IsolatedOutcome& death) {
  First& f = first[static_cast<int>(inv)];
  if (!f.Precedes(trial)) return;
  // Replacing a failure: its evidence stays (a death has none of its own).
  f.failure.first_failure_trial = trial + 1;
  f.failure.token = std::move(token);
  f.failure.explanation = death.AllViolations().front().explanation;
  f.failure.confirmed = false;  // until a replay alone dies the same way
  f.failure.stacks = death.stacks;
  f.failure.preemptions = -1;  // the search's schedule died with its worker
  f.kind = death.kind;
  f.signal = death.signal;
  f.original = TrialFingerprint{};
}

void CellTally::RetractHang(uint64_t trial, bool claimed, double replay_seconds) {
  constexpr int kHang = static_cast<int>(Invariant::kNoHang);
  failures[kHang] -= std::min<uint64_t>(failures[kHang], 1);
  if (claimed) claimed_failures[kHang] -= std::min<uint64_t>(claimed_failures[kHang], 1);
  hangs -= std::min<uint64_t>(hangs, 1);
  ++undecided[kHang];
  NotEvaluated(InvariantSet{Invariant::kNoHang});
  ++watchdog_overruns;
  overrun_replay_seconds = std::max(overrun_replay_seconds, replay_seconds);
  if (first[kHang].found() && first[kHang].trial() == trial) first[kHang] = First{};
}

void CellTally::NotEvaluated(InvariantSet set) {
  for (Invariant inv : kAllInvariants) {
    if (set.Contains(inv)) ++not_evaluated[static_cast<int>(inv)];
  }
}

Coverage CellTally::CoverageOf(const CellSpec& cell, uint64_t planned) const {
  Coverage c;
  if (cell.mode == ExecMode::kControlled && cell.strategy.kind == StrategyKind::kExhaustive) {
    c.kind = Coverage::Kind::kExhaustive;
    c.preemption_bound = cell.strategy.preemption_bound;
    c.reduced = ExhaustiveReduces(cell.strategy, *cell.backend);
    if (cell.strategy.memory_model == MemoryModel::kC11) {
      c.stale_read_bound = SearchedStaleBound(cell.strategy);
    }
    // A search a crash or hang ended reported nothing: its program counts, not fully explored
    // (the schedules it ran before are not counted).
    c.programs = programs + deaths;
    c.programs_complete = programs_complete;
    c.schedules = schedules;
    c.bound_complete = programs == 0 ? -1 : bound_complete;
    c.complete = programs_complete == planned;
    if (cell.strategy.tree_shards > 1) {
      c.tree_shards = cell.strategy.tree_shards;
      c.tree_shard = cell.strategy.tree_shard;
    }
    return c;
  }
  if (cell.mode != ExecMode::kControlled) return c;
  c.distinct_schedules = schedule_hashes.size();
  if (cell.strategy.memory_model == MemoryModel::kC11) c.stale_reads = stale_reads;
  if (cell.strategy.kind == StrategyKind::kPct && trials > 0) {
    const double k = static_cast<double>(std::max<uint64_t>(most_steps, 1));
    c.pct_bound = 1 / (cell.params.threads * std::pow(k, cell.strategy.depth - 1));
  }
  return c;
}

CellResult CellTally::ToResult(const CellSpec& cell, uint64_t planned) const {
  CellResult r;
  r.label() = LabelOf(cell);
  r.trials_planned = planned;
  r.trials = trials;
  r.worker_seconds = worker_seconds;
  r.phase_seconds = phases;
  r.first_failure_seconds = first_failure_ns / 1e9;
  r.watchdog_cuts = watchdog_cuts;
  r.adaptive_watchdog_seconds = adaptive_watchdog_seconds;
  r.watchdog_overruns = watchdog_overruns;
  r.overrun_replay_seconds = overrun_replay_seconds;
  r.coverage = CoverageOf(cell, planned);
  for (Invariant inv : kAllInvariants) {
    const int i = static_cast<int>(inv);
    InvariantResult& ir = r.invariants[i];
    ir.evaluated = trials - std::min(trials, not_evaluated[i]);
    if (inv == Invariant::kNoDataRace && !RaceJudged(cell)) ir.evaluated = 0;
    if (!cell.checked.Contains(inv)) {  // not asked for: NOT_RUN
      ir.evaluated = 0;
      continue;
    }
    ir.failures = failures[i];
    ir.undecided = undecided[i];
    ir.verdict = Judge(inv, ir.evaluated, ir.failures, claimed_failures[i]);
    if (first[i].found()) ir.first_failure() = first[i].failure;
  }
  return r;
}

}  // namespace mapfault
