// The ratio guard: see ratio_guard.h.
#include "bench/ratio_guard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench_collector.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace mapfault::bench {
namespace {

using json = nlohmann::json;

// One guarded ratio: a figure in units of another measured in the same run, by default the bare
// fiber switch (lower is better), and the margin it is held to (0: the baseline file's).
struct Ratio {
  const char* name;
  const char* meaning;
  Figure figure;
  Figure per = kBareSwitch;
  double margin = 0;
};

// The guarded ratios, as data: a new one is a row (and a baseline regenerated).
constexpr Ratio kRatios[] = {
    {"controlled_switch", "controlled switch / bare fiber switch",
     {"BM_ControlledSwitch", "ns_per_switch", false}},
    {"naive_schedule", "one controlled naive 2x8 iterate-while-erase trial / bare switch",
     {"BM_ControlledSchedules", "schedules_per_s", true}},
    {"mutex_schedule", "one controlled mutex 2x8 iterate-while-erase trial / bare switch",
     {"BM_ControlledSchedulesMutex", "schedules_per_s", true}},
    {"check_all_per_op", "every checker, per history operation (100k ops) / bare switch",
     {"BM_CheckAllInvariants/100000", "ops_per_s", true}},
    // Var-on / Var-off: the race detector's share of a trial (target 1.43x, on at >= 0.7x the
    // speed of off) and a RealSync::Var's cost over a plain field (which must stay ~1: a Var
    // compiles to a plain load and store). Each compares two benchmarks of one process doing the
    // same kind of work, so it moves less than a ratio to the bare switch: margin 1.5, not 2.
    {"race_check_on_off", "one controlled mutex 2x8 trial, race detection on / off",
     {"BM_ControlledSchedulesMutex", "schedules_per_s", true},
     {"BM_ControlledSchedulesMutexNoRaceCheck", "schedules_per_s", true}, 1.5},
    {"var_real_sync", "RealSync::Var read-modify-write loop / the same over plain fields",
     {"BM_VarRealSync", "cells_per_s", true}, {"BM_PlainField", "cells_per_s", true}, 1.5},
};

constexpr int kRuns = 3;

// The filter that runs exactly the benchmarks the ratios need.
std::string Filter() {
  std::string filter = fmt::format("^({}", kBareSwitch.benchmark);
  for (const Ratio& r : kRatios) filter += fmt::format("|{}|{}", r.figure.benchmark, r.per.benchmark);
  return filter + ")$";
}

// Best (lowest) of kRuns runs of every ratio.
std::map<std::string, double> MeasureBest() {
  std::map<std::string, double> best;
  for (const Ratio& r : kRatios) best[r.name] = std::numeric_limits<double>::infinity();
  for (int run = 0; run < kRuns; ++run) {
    Collector collector;
    benchmark::RunSpecifiedBenchmarks(&collector, Filter());
    for (const Ratio& r : kRatios) {
      const double ratio = collector.Ns(r.figure) / collector.Ns(r.per);
      if (std::isfinite(ratio)) best[r.name] = std::min(best[r.name], ratio);
    }
  }
  return best;
}

int WriteBaseline(const std::string& path, const std::map<std::string, double>& best) {
  json out = {{"regenerate", "./build/bench/mapfault_bench --ratio-guard=bench/ratio_baseline.json "
                             "--write-baseline (README build, RelWithDebInfo)"},
              {"margin", 2.0},
              {"runs", kRuns},
              {"ratios", json::object()}};
  for (const Ratio& r : kRatios) {
    out["ratios"][r.name] = {{"value", best.at(r.name)}, {"meaning", r.meaning}};
    if (r.margin > 0) out["ratios"][r.name]["margin"] = r.margin;
  }
  std::ofstream(path) << out.dump(2) << "\n";
  fmt::print("ratio guard: baseline written to {}\n", path);
  return 0;
}

}  // namespace

int RunRatioGuard(const std::string& path, bool write_baseline) {
  PinToCpu0();  // one CPU, as the published figures are measured
  json baseline;
  if (!write_baseline) {
    std::ifstream in(path);
    baseline = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!in || baseline.is_discarded() || !baseline["margin"].is_number() ||
        !baseline["ratios"].is_object()) {
      fmt::print(stderr, "ratio guard: cannot read baseline {}; regenerate it with "
                 "--ratio-guard={} --write-baseline\n", path, path);
      return 2;
    }
  }
  const std::map<std::string, double> best = MeasureBest();
  if (write_baseline) return WriteBaseline(path, best);
  const double margin = baseline["margin"].get<double>();
  int failures = 0;
  fmt::print("ratio guard (best of {} runs, lower is better, fails above baseline x {:g} unless a "
             "ratio states its own margin):\n", kRuns, margin);
  for (const Ratio& r : kRatios) {
    const json& entry = baseline["ratios"][r.name];
    const bool known = entry.is_object() && entry["value"].is_number();
    const double base = known ? entry["value"].get<double>() : std::nan("");
    const double held = known && entry.contains("margin") && entry["margin"].is_number()
                            ? entry["margin"].get<double>()
                            : margin;
    const double now = best.at(r.name);
    const bool ok = std::isfinite(now) && std::isfinite(base) && now <= base * held;
    failures += !ok;
    fmt::print("  {:<18} {:>10.2f}  baseline {:>10.2f} x {:g}  {}  ({})\n", r.name, now, base,
               held, ok ? "ok" : "REGRESSED", r.meaning);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace mapfault::bench
