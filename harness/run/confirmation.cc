// Confirmation replays of worker deaths, and the determinism check of controlled findings.
#include "harness/run/confirmation.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "harness/run/determinism.h"
#include "harness/run/exhaustive_search.h"
#include "harness/run/token.h"

namespace mapfault {
namespace {

// What the determinism check learned of one failing trial.
struct TrialCheck {
  ReplayCheck check = ReplayCheck::kNotChecked;
  Divergence divergence;
  std::vector<InvariantSet> broke;  // per replay, when it diverged
};

bool Stopped(const ReproductionOptions& options) {
  return options.stop != nullptr && *options.stop != 0;
}

InvariantSet Broke(const IsolatedOutcome& o) {
  InvariantSet s;
  for (const Violation& v : o.AllViolations()) s.Add(v.invariant);
  return s;
}

// Replays the trial of `f` twice (the second time with its heap shifted), compares, and on a
// divergence replays it up to options.replays times in all to count how often it breaks again.
TrialCheck CheckTrial(const CellSpec& cell, uint64_t run_seed, const CellTally::First& f,
                      const ReproductionOptions& options) {
  TrialSpec spec = SpecFor(cell, run_seed, f.trial());
  const absl::StatusOr<ReplayToken> token = ReplayToken::Decode(f.failure.token);
  const std::vector<uint8_t>* choices = nullptr;
  if (token.ok() && token->choices) {
    spec.replay_choices = token->choices;
    choices = &*spec.replay_choices;
  }
  TrialSpec shifted_spec = spec;
  shifted_spec.shift_heap = true;
  const IsolatedOutcome replay = RunTrialIsolated(spec, options.watchdog_seconds, options.stop);
  const IsolatedOutcome shifted =
      RunTrialIsolated(shifted_spec, options.watchdog_seconds, options.stop);
  TrialCheck c;
  if (replay.kind == IsolatedOutcome::Kind::kInterrupted ||
      shifted.kind == IsolatedOutcome::Kind::kInterrupted) {
    return c;
  }
  std::optional<Divergence> d;
  if (f.kind != IsolatedOutcome::Kind::kCompleted) {
    d = CompareDeath(f.kind, f.signal, f.failure.explanation, replay);
  }
  if (!d) d = FindDivergence(f.original, choices, replay, shifted);
  if (!d) {
    c.check = ReplayCheck::kExact;
    return c;
  }
  c.check = ReplayCheck::kDiverged;
  c.divergence = *d;
  c.broke = {Broke(replay), Broke(shifted)};
  for (int i = 2; i < options.replays && !Stopped(options); ++i) {
    const IsolatedOutcome o = RunTrialIsolated(spec, options.watchdog_seconds, options.stop);
    if (o.kind == IsolatedOutcome::Kind::kInterrupted) break;
    c.broke.push_back(Broke(o));
  }
  return c;
}

// How a trial the full watchdog killed ran when replayed alone.
struct HangReplay {
  IsolatedOutcome outcome;  // the last replay's
  double seconds = 0;       // the longest completed replay's wall time
  bool completed = true;    // every replay completed: the overrun was not the trial's doing
};

// Replays the trial `spec` alone up to kHangReplays times (once in controlled mode, where a replay
// runs the same schedule), until one does not complete.
HangReplay ReplayHang(const TrialSpec& spec, double watchdog_seconds) {
  constexpr int kHangReplays = 3;
  const int replays = spec.mode == ExecMode::kControlled ? 1 : kHangReplays;
  HangReplay r;
  for (int i = 0; i < replays && r.completed; ++i) {
    const auto start = std::chrono::steady_clock::now();
    r.outcome = RunTrialIsolated(spec, watchdog_seconds);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    r.completed = r.outcome.kind == IsolatedOutcome::Kind::kCompleted;
    if (r.completed) r.seconds = std::max(r.seconds, took.count());
  }
  return r;
}

// A search's death reported nothing: its replay's trace (the schedule it died in) says how many
// preemptions that schedule has, as a failing schedule's explanation says it.
void NoteSearchDeath(const CellSpec& cell, const IsolatedOutcome& replay, FirstFailure& failure) {
  if (cell.mode != ExecMode::kControlled || cell.strategy.kind != StrategyKind::kExhaustive) return;
  absl::StrAppend(&failure.explanation, " (exhaustive search: the schedule it died in has ",
                  Preemptions(replay.preemptions),
                  ", the fewest any failing schedule of this program has)");
}

// Replays every trial the full watchdog killed (tally.hang_trials). A trial whose replays alone
// all complete did not hang: the machine was too slow or too loaded for the watchdog, and the hang
// is retracted (CellTally::RetractHang), a harness limit. A replay that hangs too confirms it; one
// that dies another way leaves it unconfirmed. When the cell's first hang is retracted, the
// earliest hang kept becomes the first failure. The trials after the first confirmed hang are not
// replayed.
void ConfirmHangs(const CellSpec& cell, uint64_t run_seed, double watchdog_seconds,
                  CellTally& tally) {
  CellTally::First& first = tally.first[static_cast<int>(Invariant::kNoHang)];
  std::vector<uint64_t> trials = tally.hang_trials;
  std::sort(trials.begin(), trials.end());
  for (uint64_t trial : trials) {
    const TrialSpec spec = SpecFor(cell, run_seed, trial);
    const HangReplay r = ReplayHang(spec, watchdog_seconds);
    if (r.completed) {
      tally.RetractHang(trial,
                        ClaimsFor(*cell.backend, ProgramFor(spec)).Contains(Invariant::kNoHang),
                        r.seconds);
      continue;
    }
    const bool hung = r.outcome.kind == IsolatedOutcome::Kind::kHang;
    if (!first.found()) {  // an earlier hang was retracted: this one is the first
      IsolatedOutcome death = r.outcome;
      if (!hung) {
        death.kind = IsolatedOutcome::Kind::kHang;
        death.detail = absl::StrCat("the trial ran past the watchdog; its replay alone did not: ",
                                    r.outcome.detail);
      }
      tally.Died(Invariant::kNoHang, trial,
                 MakeToken(spec, Invariant::kNoHang, std::nullopt).Encode(), death);
    }
    if (first.found() && first.trial() == trial && first.kind == IsolatedOutcome::Kind::kHang &&
        !first.failure.confirmed) {
      first.failure.confirmed = hung;
      if (hung) NoteSearchDeath(cell, r.outcome, first.failure);
    }
    // A confirmed hang decides the verdict: the later ones are not replayed (each replay of a
    // hang costs a watchdog period) and stay counted, unconfirmed, as before.
    if (hung && first.found() && first.failure.confirmed) break;
  }
  tally.hang_trials.clear();
}

}  // namespace

void ConfirmDeaths(const CellSpec& cell, uint64_t run_seed, double watchdog_seconds,
                   CellTally& tally) {
  ConfirmHangs(cell, run_seed, watchdog_seconds, tally);
  for (CellTally::First& f : tally.first) {
    if (!f.found() || f.failure.confirmed || f.kind == IsolatedOutcome::Kind::kHang) continue;
    const IsolatedOutcome o = RunTrialIsolated(SpecFor(cell, run_seed, f.trial()), watchdog_seconds);
    f.failure.confirmed = o.kind == f.kind && o.signal == f.signal;
    if (f.failure.confirmed) NoteSearchDeath(cell, o, f.failure);
  }
}

void CheckDeterminism(const CellSpec& cell, uint64_t run_seed, const ReproductionOptions& options,
                      CellTally& tally) {
  if (cell.mode != ExecMode::kControlled) return;
  absl::flat_hash_map<uint64_t, TrialCheck> checked;  // one check per distinct trial
  for (const CellTally::First& f : tally.first) {
    if (!f.found() || f.kind == IsolatedOutcome::Kind::kHang) continue;
    if (Stopped(options)) break;
    auto [it, fresh] = checked.try_emplace(f.trial());
    if (fresh) it->second = CheckTrial(cell, run_seed, f, options);
  }
  for (Invariant inv : kAllInvariants) {
    CellTally::First& f = tally.first[static_cast<int>(inv)];
    if (!f.found()) continue;
    auto it = checked.find(f.trial());
    if (it == checked.end()) continue;
    const TrialCheck& c = it->second;
    f.failure.replay_check = c.check;
    if (c.check != ReplayCheck::kDiverged) continue;
    f.failure.diverged_at_step = c.divergence.step;
    f.failure.divergence = c.divergence.detail;
    f.failure.replays = static_cast<uint32_t>(c.broke.size());
    f.failure.reproduced = static_cast<uint32_t>(
        std::count_if(c.broke.begin(), c.broke.end(),
                      [inv](InvariantSet s) { return s.Contains(inv); }));
  }
}

}  // namespace mapfault
