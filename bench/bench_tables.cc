// `mapfault_bench --tables`: runs the scheduler, checker, feature-cost and end-to-end benchmarks
// three times and prints the tables of docs/performance.md in Markdown, each figure the best of its
// three runs and also a ratio against the best bare fiber switch of the same process (or, for a
// feature's cost, against the same work without the feature). bench/report.sh splices the
// output into the docs, so no published figure is typed. Best-of-N because a shared machine's noise
// only ever slows a run: the best run is the one that reproduces.
#include "bench/bench_tables.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench_collector.h"
#include "fmt/format.h"

namespace mapfault::bench {
namespace {

// One row: a figure, how to print it, and the target it is held to ("" = none).
struct Row {
  const char* what;
  Figure figure;
  const char* unit;  // "ns" (printed as ns) or "/s" (printed as a rate)
  const char* target;
};

constexpr Row kSchedulerRows[] = {
    {"bare Boost.Context fiber switch (the baseline)", kBareSwitch, "ns", ""},
    {"controlled switch: 2 threads alternating (scheduling point + strategy + switch)",
     {"BM_ControlledSwitch", "ns_per_switch", false}, "ns", "<= 3x bare"},
    {"OS-thread hand-off (binary_semaphore), both threads on one CPU",
     {"BM_OsThreadHandoffOneCpu/real_time", "ns_per_handoff", false}, "ns", ""},
    {"controlled schedules, `naive`, iterate-while-erase 2x8, one core",
     {"BM_ControlledSchedules", "schedules_per_s", true}, "/s", ">= 250,000/s"},
    {"controlled schedules, `mutex`, same program",
     {"BM_ControlledSchedulesMutex", "schedules_per_s", true}, "/s", ""},
};

constexpr Row kCheckerRows[] = {
    {"`linearizable`, 100k ops", {"BM_CheckLinearizable/100000", "ops_per_s", true}, "/s",
     ">= 1 M ops/s"},
    {"`linearizable`, 200k ops", {"BM_CheckLinearizable/200000", "ops_per_s", true}, "/s", "linear"},
    {"`linearizable`, 10 keys (33% same-key overlap), 1M ops",
     {"BM_CheckLinearizableKeys/keys:10/ops:1000000", "ops_per_s", true}, "/s", ">= 1 M ops/s"},
    {"`linearizable`, 1,000 keys, 1M ops",
     {"BM_CheckLinearizableKeys/keys:1000/ops:1000000", "ops_per_s", true}, "/s", ">= 1 M ops/s"},
    {"every checker, 100k ops", {"BM_CheckAllInvariants/100000", "ops_per_s", true}, "/s", ""},
};

// A cost measured with and without one feature, in the same run.
struct Pair {
  const char* what;
  Figure with;
  Figure without;
  const char* target;
};

constexpr Pair kFeatureRows[] = {
    {"controlled `mutex` 2x8 trial, race detection on / off",
     {"BM_ControlledSchedulesMutex", "schedules_per_s", true},
     {"BM_ControlledSchedulesMutexNoRaceCheck", "schedules_per_s", true},
     "<= 1.43x (on at >= 0.7x the speed of off)"},
    {"1024-cell read-modify-write loop, per cell: `RealSync::Var` cells / plain fields",
     {"BM_VarRealSync", "cells_per_s", true}, {"BM_PlainField", "cells_per_s", true}, "<= 1.05x"},
};

std::string FormatNs(double ns) {
  if (!std::isfinite(ns)) return "not measured";
  if (ns >= 1000) return fmt::format("{:.2f} us", ns / 1e3);
  return ns >= 10 ? fmt::format("{:.1f} ns", ns) : fmt::format("{:.2f} ns", ns);
}

std::string Measured(const Row& row, double ns) {
  if (!std::isfinite(ns)) return "not measured";
  if (std::string(row.unit) == "ns") return fmt::format("{:.1f} ns", ns);
  const double rate = 1e9 / ns;
  return rate >= 1e6 ? fmt::format("{:.2f} M/s", rate / 1e6) : fmt::format("{:.1f} k/s", rate / 1e3);
}

constexpr int kRuns = 3;

// The best (lowest) of the runs' nanoseconds for a figure; NaN when no run measured it.
double BestNs(const std::vector<Collector>& runs, const Figure& f) {
  double best = std::nan("");
  for (const Collector& c : runs) {
    const double ns = c.Ns(f);
    if (std::isfinite(ns) && !(ns >= best)) best = ns;
  }
  return best;
}

void PrintTable(const char* title, const Row* rows, size_t n, const std::vector<Collector>& runs,
                double bare) {
  fmt::print("| {} | measured | in bare switches | target |\n|---|---|---|---|\n", title);
  for (size_t i = 0; i < n; ++i) {
    const double ns = BestNs(runs, rows[i].figure);
    fmt::print("| {} | {} | {:.1f}x | {} |\n", rows[i].what, Measured(rows[i], ns), ns / bare,
               rows[i].target);
  }
  fmt::print("\n");
}

void PrintFeatureCosts(const std::vector<Collector>& runs) {
  fmt::print("| what a feature costs (the same work with and without it) | with | without | "
             "with / without | target |\n|---|---|---|---|---|\n");
  for (const Pair& p : kFeatureRows) {
    const double with = BestNs(runs, p.with);
    const double without = BestNs(runs, p.without);
    const double ratio = with / without;
    fmt::print("| {} | {} | {} | {} | {} |\n", p.what, FormatNs(with), FormatNs(without),
               std::isfinite(ratio) ? fmt::format("{:.2f}x", ratio) : "not measured", p.target);
  }
  fmt::print("\n");
}

// The end-to-end growth curve (end_to_end_bench.cc): whole controlled trials of `mutex` on
// mixed-ops, threads x ops per thread; each cell from the run with the most trials/s.
void PrintGrowth(const std::vector<Collector>& runs) {
  fmt::print("| end to end, `mutex` mixed-ops, 64 keys (threads x ops) | trials/s | operations/s |"
             " target |\n|---|---|---|---|\n");
  for (int ops : {4, 16, 64, 256}) {
    for (int threads : {2, 4, 8}) {
      const std::string name = fmt::format("BM_EndToEnd/threads:{}/ops:{}", threads, ops);
      double trials = 0, op_rate = 0;
      for (const Collector& c : runs) {
        const double t = c.Raw(name.c_str(), "trials_per_s");
        if (t > trials) trials = t, op_rate = c.Raw(name.c_str(), "ops_per_s");
      }
      const bool big = ops == 256 && threads <= 4;
      fmt::print("| {} x {} | {:.0f} | {:.0f} k | {} |\n", threads, ops, trials, op_rate / 1e3,
                 big ? ">= 1 M operations/s" : "");
    }
  }
  fmt::print("\n");
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

std::string Filter() {
  std::string filter = "^(";
  for (const Row& r : kSchedulerRows) filter += std::string(r.figure.benchmark) + "|";
  for (const Row& r : kCheckerRows) filter += std::string(r.figure.benchmark) + "|";
  for (const Pair& p : kFeatureRows) {
    filter += std::string(p.with.benchmark) + "|" + p.without.benchmark + "|";
  }
  return filter + "BM_EndToEnd/.*)$";
}

}  // namespace

int PrintBenchTables() {
  std::vector<Collector> runs(kRuns);
  for (Collector& c : runs) benchmark::RunSpecifiedBenchmarks(&c, Filter());
  const double bare = BestNs(runs, kBareSwitch);
  utsname u{};
  uname(&u);
  fmt::print("Generated by `bench/report.sh` (`taskset -c 0 mapfault_bench --tables`, Release, "
             "each figure the best of {} runs) on {} ({} CPUs online), {} {}. Ratios are against "
             "the best bare fiber switch of the same process.\n\n",
             kRuns, CpuModel(), sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release);
  PrintTable("scheduler", kSchedulerRows, std::size(kSchedulerRows), runs, bare);
  PrintTable("checkers (ops/s of history operations)", kCheckerRows, std::size(kCheckerRows),
             runs, bare);
  PrintFeatureCosts(runs);
  PrintGrowth(runs);
  return 0;
}

}  // namespace mapfault::bench
