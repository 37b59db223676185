// Isolation overhead and where a run's time goes: one cell's trials run twice per iteration, once
// through the supervisor (RunCells: forked workers in batches, pipes, the watchdog's bookkeeping;
// --jobs 1, the automatic batch size, no follow-up replays) and once in this process (RunTrial on
// the same trial specs, no worker). Counters: both throughputs, the overhead of isolation
// (isolated time / in-process time - 1, from the same iterations, so a busy machine moves both),
// the same in CPU time (overhead_cpu_pct: the supervisor's and its reaped workers' CPU seconds
// over the in-process loop's; the figure to read on a shared machine), split into the supervisor's
// own CPU (supervisor_cpu_pct) and the workers' beyond the in-process loop (workers_cpu_pct), and
// the isolated run's phase_seconds as fractions of its workers' time (phase_times.h).
// Arguments: mode (0 controlled: `mutex` iterate-while-erase, random; 1 perturbed: `absl_mutex`
// mixed-ops, noise; both cells hold, so no failure lines travel), trials per side, and the batch
// size (0: automatic, which grows batches once the trial time is known; 2000: fixed, the size
// automatic batches had before they grew, for the A/B in docs/performance.md). The 60,000-trial
// controlled row shows the steady state (the fork and the first batch's warm-up amortised).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "harness/run/phase_times.h"
#include "harness/run/supervisor.h"
#include "harness/run/trial.h"
#include "maps/builtin_backends.h"
#include "scenarios/scenario.h"

namespace mapfault {
namespace {

CellSpec IsolationCell(bool perturbed, uint64_t trials) {
  CellSpec cell;
  cell.mode = perturbed ? ExecMode::kPerturbed : ExecMode::kControlled;
  cell.backend = GlobalBackends().Find(perturbed ? "absl_mutex" : "mutex");
  cell.scenario =
      ScenarioRegistry::Builtin().Find(perturbed ? "mixed-ops" : "iterate-while-erase");
  cell.params = cell.scenario->defaults;
  cell.strategy.kind = perturbed ? StrategySpec::Kind::kNoise : StrategySpec::Kind::kRandom;
  cell.trials = trials;
  return cell;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds (user + system) of this process's threads, or of its reaped children (`who`:
// RUSAGE_SELF, RUSAGE_CHILDREN). On a shared machine the wall-clock ratio measures the scheduler's
// sharing as much as the work: a run of this benchmark under a load average of ~5 had the
// in-process loop at a third of a CPU and the freshly forked workers at more, and the wall-clock
// overhead came out at -30% to -50%. CPU time counts the work of both sides, the forks, page
// faults and exits of the workers included (each worker is reaped inside RunCells).
double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

void BM_IsolationOverhead(benchmark::State& state) {
  const bool perturbed = state.range(0) != 0;
  const uint64_t trials = static_cast<uint64_t>(state.range(1));
  SupervisorOptions options;
  options.batch = static_cast<uint64_t>(state.range(2));
  options.jobs = 1;
  options.reproduction_replays = 0;
  const CellSpec cell = IsolationCell(perturbed, trials);
  double isolated = 0, in_process = 0, worker_seconds = 0;
  double isolated_cpu = 0, in_process_cpu = 0, supervisor_cpu = 0;
  PhaseSeconds phases;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    double self = CpuSeconds(RUSAGE_SELF), children = CpuSeconds(RUSAGE_CHILDREN);
    const RunResults r = RunCells({cell}, options);
    isolated += SecondsSince(start);
    supervisor_cpu += CpuSeconds(RUSAGE_SELF) - self;
    isolated_cpu += CpuSeconds(RUSAGE_SELF) - self + CpuSeconds(RUSAGE_CHILDREN) - children;
    worker_seconds += r.cells[0].worker_seconds;
    phases += r.cells[0].phase_seconds;
    start = std::chrono::steady_clock::now();
    self = CpuSeconds(RUSAGE_SELF);
    for (uint64_t t = 0; t < trials; ++t) {
      TrialResult result = RunTrial(SpecFor(cell, options.seed, t));
      benchmark::DoNotOptimize(result);
    }
    in_process += SecondsSince(start);
    in_process_cpu += CpuSeconds(RUSAGE_SELF) - self;
  }
  const double n = static_cast<double>(state.iterations() * trials);
  state.counters["isolated_trials_per_s"] = n / isolated;
  state.counters["in_process_trials_per_s"] = n / in_process;
  state.counters["overhead_pct"] = 100 * (isolated / in_process - 1);
  state.counters["overhead_cpu_pct"] = 100 * (isolated_cpu / in_process_cpu - 1);
  // The overhead's two sides: the supervisor's own CPU, and the workers' beyond the in-process
  // loop.
  state.counters["supervisor_cpu_pct"] = 100 * supervisor_cpu / in_process_cpu;
  state.counters["workers_cpu_pct"] = 100 * ((isolated_cpu - supervisor_cpu) / in_process_cpu - 1);
  for (Phase p : kAllPhases) {
    if (p == Phase::kReplays || p == Phase::kDied) continue;
    state.counters[std::string(PhaseName(p)) + "_pct"] = 100 * phases[p] / worker_seconds;
  }
}
BENCHMARK(BM_IsolationOverhead)
    ->Args({0, 10000, 0})
    ->Args({0, 10000, 2000})
    ->Args({0, 60000, 0})
    ->Args({1, 2000, 0})
    ->Args({1, 2000, 500})
    ->ArgNames({"perturbed", "trials", "batch"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace mapfault
