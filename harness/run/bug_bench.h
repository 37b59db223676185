// The bug-finding benchmark (`mapfault bench-bugs`): how fast each strategy finds each bug. For every
// (backend, scenario) pair and every strategy it runs R repetitions with different seeds, each
// stopping at its first failing trial (censored at a cap), and reports the median trials and wall
// time to the first failure, the fraction of repetitions that found it, and, for perturbed
// strategies, how often the first failure's token reproduces.
#ifndef MAPFAULT_HARNESS_RUN_BUG_BENCH_H_
#define MAPFAULT_HARNESS_RUN_BUG_BENCH_H_

#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/engine/backend.h"
#include "harness/run/identity.h"
#include "harness/strategies/strategy_spec.h"
#include "scenarios/scenario.h"

namespace mapfault {

struct BugBenchTarget {
  const BackendInfo* backend = nullptr;
  const Scenario* scenario = nullptr;
  ScenarioParams params;
};

struct BugBenchStrategy {
  ExecMode mode = ExecMode::kControlled;
  StrategySpec spec;
  std::string Label() const;  // "controlled random", "perturbed noise", ...
};

struct BugBenchOptions {
  std::vector<BugBenchTarget> targets;
  std::vector<BugBenchStrategy> strategies;
  int repetitions = 10;
  uint64_t cap = 10000;          // trials per repetition before it counts as "not found"
  uint64_t exhaustive_cap = 20;  // ... for exhaustive rows: programs (each a whole search)
  uint64_t seed = 1;
  int reproduction_replays = 20;  // perturbed strategies: replays of the first failure found
  double watchdog_seconds = 5;
  const volatile std::sig_atomic_t* stop = nullptr;
  std::function<void(const std::string&)> on_progress;  // one line per finished row
};

// One row: a cell's label (backend, scenario, parameters, mode, strategy) and its measurements.
struct BugBenchRow : CellLabel {
  int repetitions = 0;
  int found = 0;
  // Per repetition: trials to the first failure (nullopt when censored at the cap) and seconds.
  std::vector<std::optional<uint64_t>> trials_to_failure;
  std::vector<double> seconds_to_failure;  // wall time to the first failure, or the whole rep
  std::string first_token;                 // of the first repetition that found it
  std::string first_invariant;
  // Perturbed only: replays of first_token that broke first_invariant again.
  int reproduced = 0;
  int replays = 0;
  // Controlled only: the determinism check of the first failure found (kExact: its token replays
  // exactly; kDiverged: the backend is nondeterministic, the replays differed).
  ReplayCheck first_replay_check = ReplayCheck::kNotChecked;
  // PCT only: the probability bound of finding a depth-d bug in one trial, 1/(n * k^(d-1)), with
  // n threads and k the program's scheduling steps (Burckhardt et al.); and the probability that
  // `cap` trials all miss such a bug, when no repetition found one.
  double pct_trial_bound = 0;
  // Exhaustive only (`--trials` are programs): per repetition, the schedules its searches judged
  // up to and including the first failing one (nullopt when not found, or when the failure is a
  // crash: its search never reported), and the first failure's preemptions (its program searched
  // again in a fresh worker: the fewest any failing schedule of it has).
  std::vector<std::optional<uint64_t>> schedules_to_failure;
  std::optional<int> first_preemptions;

  // Median trials to the first failure over all repetitions, censored ones counting as infinite;
  // nullopt when at least half the repetitions found nothing.
  std::optional<double> MedianTrials() const;
  std::optional<double> MedianSeconds() const;  // over the repetitions that found it
  std::optional<double> MedianSchedules() const;  // exhaustive: as MedianTrials, in schedules
  double FoundFraction() const { return repetitions ? static_cast<double>(found) / repetitions : 0; }
};

struct BugBenchResults {
  uint64_t seed = 0;
  uint64_t cap = 0;
  uint64_t exhaustive_cap = 0;
  int repetitions = 0;
  bool partial = false;
  std::vector<BugBenchRow> rows;
};

// Runs the benchmark (every repetition is a supervised run: crashes and hangs are findings).
BugBenchResults RunBugBench(const BugBenchOptions& options);

// Parses a comma-free strategy label list element: "stress", "reference-loop", "noise",
// "noise+preempt" (perturbed), "random", "pct:d=N" (controlled).
absl::StatusOr<BugBenchStrategy> ParseBugBenchStrategy(const std::string& text);
// The default strategies: perturbed stress, reference-loop and noise, controlled random, PCT
// d=1..3, portfolio, random+sc, and the bounded-exhaustive search at pb=1 and pb=2.
std::vector<BugBenchStrategy> DefaultBugBenchStrategies();

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_BUG_BENCH_H_
