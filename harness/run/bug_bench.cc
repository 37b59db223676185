// The bug-finding benchmark: repetitions of supervised runs that stop at the first failure.
#include "harness/run/bug_bench.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "harness/base/rng.h"
#include "harness/run/plan.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "harness/run/trial.h"
#include "harness/run/worker.h"

namespace mapfault {
namespace {

std::optional<double> Median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The first failing invariant of a cell (lowest trial, then invariant order) and its token.
std::optional<std::pair<Invariant, const InvariantResult*>> EarliestFailure(const CellResult& c) {
  std::optional<std::pair<Invariant, const InvariantResult*>> best;
  for (Invariant inv : kAllInvariants) {
    const InvariantResult& r = c.invariants[static_cast<int>(inv)];
    if (r.first_failure_trial == 0) continue;
    if (!best || r.first_failure_trial < best->second->first_failure_trial) best = {{inv, &r}};
  }
  return best;
}

}  // namespace

std::string BugBenchStrategy::Label() const {
  return absl::StrCat(mode == ExecMode::kPerturbed ? "perturbed " : "controlled ", spec.ToString());
}

std::optional<double> BugBenchRow::MedianTrials() const {
  std::vector<double> v;
  for (const auto& t : trials_to_failure) v.push_back(t ? static_cast<double>(*t) : INFINITY);
  std::optional<double> m = Median(v);
  if (!m || std::isinf(*m)) return std::nullopt;
  return m;
}

std::optional<double> BugBenchRow::MedianSchedules() const {
  if (schedules_to_failure.empty()) return std::nullopt;
  std::vector<double> v;
  for (const auto& s : schedules_to_failure) {
    v.push_back(s ? static_cast<double>(*s) : INFINITY);
  }
  const std::optional<double> m = Median(std::move(v));
  if (!m || std::isinf(*m)) return std::nullopt;
  return m;
}

std::optional<double> BugBenchRow::MedianSeconds() const {
  std::vector<double> v;
  for (size_t i = 0; i < trials_to_failure.size(); ++i) {
    if (trials_to_failure[i]) v.push_back(seconds_to_failure[i]);
  }
  return Median(v);
}

absl::StatusOr<BugBenchStrategy> ParseBugBenchStrategy(const std::string& text) {
  absl::StatusOr<StrategySpec> spec = StrategySpec::Parse(text);
  if (!spec.ok()) return spec.status();
  BugBenchStrategy s;
  s.spec = *spec;
  s.mode = PreferredMode(*spec);
  return s;
}

std::vector<BugBenchStrategy> DefaultBugBenchStrategies() {
  std::vector<BugBenchStrategy> out;
  for (const char* s :
       {"stress", "reference-loop", "noise", "random", "pct:d=1", "pct:d=2", "pct:d=3",
        "portfolio", "random+sc", "exhaustive:pb=1", "exhaustive:pb=2"}) {
    out.push_back(*ParseBugBenchStrategy(s));
  }
  return out;
}

namespace {

// The strategy as it runs on `backend`: PCT also exists as a noise plan, so a backend without a
// controlled mode runs it perturbed. Nullopt when the backend cannot run it at all.
std::optional<BugBenchStrategy> StrategyOn(const BackendInfo& backend, BugBenchStrategy strategy) {
  if (strategy.mode == ExecMode::kControlled && !backend.make_controlled &&
      strategy.spec.kind == StrategySpec::Kind::kPct) {
    strategy.mode = ExecMode::kPerturbed;
  }
  const bool supported = strategy.mode == ExecMode::kPerturbed
                             ? static_cast<bool>(backend.make_real)
                             : static_cast<bool>(backend.make_controlled);
  if (!supported) return std::nullopt;
  return strategy;
}

bool Stopped(const BugBenchOptions& options) {
  return options.stop != nullptr && *options.stop != 0;
}

// Runs the row's repetitions, each a supervised run of `cell` stopping at its first failure.
// Returns the trial of the first repetition that found it (to measure reproduction on), and sets
// `partial` when interrupted.
std::optional<TrialSpec> RunRepetitions(const CellSpec& cell, const BugBenchOptions& options,
                                        BugBenchRow& row, bool& partial) {
  std::optional<TrialSpec> first_spec;
  const bool exhaustive = cell.strategy.kind == StrategyKind::kExhaustive;
  for (int rep = 0; rep < options.repetitions; ++rep) {
    if (Stopped(options)) {
      partial = true;
      break;
    }
    SupervisorOptions so;
    so.seed = Mix64(options.seed + 0x1000 * static_cast<uint64_t>(rep));
    so.jobs = 1;
    so.batch = options.cap;  // one worker runs until the first failure (or dies of it)
    so.watchdog_seconds = options.watchdog_seconds;
    so.reproduction_replays = 0;  // measured once per row, on more replays
    so.stop = options.stop;
    so.abandon_at_stop = 1;  // the batch is the whole repetition: stop means now
    const RunResults run = RunCells({cell}, so);
    const CellResult& c = run.cells.at(0);
    const auto first = EarliestFailure(c);
    if (Stopped(options) && !first) {
      partial = true;  // cut short before its first failure: not a "not found within the cap"
      break;
    }
    ++row.repetitions;
    if (!first) {
      if (exhaustive) row.schedules_to_failure.push_back(std::nullopt);
      row.trials_to_failure.push_back(std::nullopt);
      row.seconds_to_failure.push_back(run.seconds);
      continue;
    }
    ++row.found;
    // A crash kills the worker before its search reports: its schedules are not known.
    const bool died = first->first == Invariant::kNoCrash;
    if (exhaustive) {
      row.schedules_to_failure.push_back(died ? std::nullopt
                                              : std::optional<uint64_t>(c.coverage.schedules));
    }
    row.trials_to_failure.push_back(first->second->first_failure_trial);
    row.seconds_to_failure.push_back(c.first_failure_seconds);
    if (row.first_token.empty()) {
      row.first_token = first->second->token;
      row.first_invariant = std::string(InvariantId(first->first));
      row.first_replay_check = first->second->replay_check;
      first_spec = SpecFor(cell, so.seed, first->second->first_failure_trial - 1);
    }
  }
  return first_spec;
}

// Replays the row's first failure to count how often it breaks its invariant again.
void MeasureRowReproduction(const TrialSpec& first, const BugBenchOptions& options,
                            BugBenchRow& row) {
  const std::optional<Invariant> inv = ParseInvariant(row.first_invariant);
  for (int i = 0; i < options.reproduction_replays && !Stopped(options); ++i) {
    bool hit = false;
    for (const Violation& v : RunTrialIsolated(first, options.watchdog_seconds).AllViolations()) {
      hit |= inv && v.invariant == *inv;
    }
    row.reproduced += hit;
    ++row.replays;
  }
}

// PCT's probability bound of finding a depth-d bug in one trial of the target's program.
double PctTrialBound(const BugBenchTarget& target, int depth, uint64_t seed) {
  const Program p = GenerateProgram(*target.scenario, target.params, seed);
  const double n = static_cast<double>(std::max<size_t>(p.threads.size(), 1));
  const double k = static_cast<double>(std::max<uint64_t>(EstimateSteps(p), 1));
  return 1.0 / (n * std::pow(k, depth - 1));
}

// One row: `strategy` (as it runs on the target's backend) against `target`.
BugBenchRow RunRow(const BugBenchTarget& target, const BugBenchStrategy& strategy,
                   const BugBenchOptions& options, bool& partial) {
  const bool exhaustive = strategy.spec.kind == StrategyKind::kExhaustive;
  CellSpec cell = MakeCell(strategy.mode, *target.backend, *target.scenario, target.params,
                           strategy.spec, exhaustive ? options.exhaustive_cap : options.cap);
  cell.stop_at_first_failure = true;
  BugBenchRow row;
  row.label() = LabelOf(cell);
  const std::optional<TrialSpec> first_spec = RunRepetitions(cell, options, row, partial);
  if (first_spec && strategy.mode == ExecMode::kPerturbed) {
    MeasureRowReproduction(*first_spec, options, row);
  }
  if (first_spec && exhaustive && !Stopped(options)) {
    row.first_preemptions = RunTrialIsolated(*first_spec, options.watchdog_seconds).preemptions;
  }
  if (strategy.mode == ExecMode::kControlled && strategy.spec.kind == StrategySpec::Kind::kPct) {
    row.pct_trial_bound = PctTrialBound(target, strategy.spec.depth, options.seed);
  }
  if (options.on_progress) {
    const std::optional<double> m = row.MedianTrials();
    options.on_progress(absl::StrCat(row.backend, " / ", row.scenario, " / ", strategy.Label(),
                                     ": found ", row.found, "/", row.repetitions, ", median trials ",
                                     m ? absl::StrCat(*m) : absl::StrCat(">", options.cap)));
  }
  return row;
}

}  // namespace

BugBenchResults RunBugBench(const BugBenchOptions& options) {
  BugBenchResults results;
  results.seed = options.seed;
  results.cap = options.cap;
  results.exhaustive_cap = options.exhaustive_cap;
  results.repetitions = options.repetitions;
  for (const BugBenchTarget& target : options.targets) {
    for (const BugBenchStrategy& requested : options.strategies) {
      const std::optional<BugBenchStrategy> strategy = StrategyOn(*target.backend, requested);
      if (!strategy) continue;
      if (Stopped(options)) {
        results.partial = true;
        return results;
      }
      results.rows.push_back(RunRow(target, *strategy, options, results.partial));
    }
  }
  return results;
}

}  // namespace mapfault
