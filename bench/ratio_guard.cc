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

// One guarded ratio: a figure in units of the bare fiber switch of the same run (lower is better).
struct Ratio {
  const char* name;
  const char* meaning;
  Figure figure;
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
};

constexpr int kRuns = 3;

// The filter that runs exactly the benchmarks the ratios need.
std::string Filter() {
  std::string filter = fmt::format("^({}", kBareSwitch.benchmark);
  for (const Ratio& r : kRatios) filter += fmt::format("|{}", r.figure.benchmark);
  return filter + ")$";
}

// Best (lowest) of kRuns runs of every ratio.
std::map<std::string, double> MeasureBest() {
  std::map<std::string, double> best;
  for (const Ratio& r : kRatios) best[r.name] = std::numeric_limits<double>::infinity();
  for (int run = 0; run < kRuns; ++run) {
    Collector collector;
    benchmark::RunSpecifiedBenchmarks(&collector, Filter());
    const double bare = collector.Ns(kBareSwitch);
    for (const Ratio& r : kRatios) {
      const double ratio = collector.Ns(r.figure) / bare;
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
  fmt::print("ratio guard (best of {} runs, lower is better, fails above baseline x {}):\n", kRuns,
             margin);
  for (const Ratio& r : kRatios) {
    const json& entry = baseline["ratios"][r.name];
    const bool known = entry.is_object() && entry["value"].is_number();
    const double base = known ? entry["value"].get<double>() : std::nan("");
    const double now = best.at(r.name);
    const bool ok = std::isfinite(now) && std::isfinite(base) && now <= base * margin;
    failures += !ok;
    fmt::print("  {:<18} {:>10.2f}  baseline {:>10.2f}  {}  ({})\n", r.name, now, base,
               ok ? "ok" : "REGRESSED", r.meaning);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace mapfault::bench
