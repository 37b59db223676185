// Entry point of mapfault_bench: runs the benchmarks of switch_bench.cc, schedule_bench.cc,
// checker_bench.cc, backend_bench.cc, end_to_end_bench.cc and start_skew_bench.cc; or
// (--ratio-guard=FILE [--write-baseline]) the CI performance guard of ratio_guard.h; or (--tables)
// the docs' tables of bench_tables.h.
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>

#include "bench/bench_tables.h"
#include "bench/ratio_guard.h"

int main(int argc, char** argv) {
  constexpr std::string_view kGuard = "--ratio-guard=";
  std::string guard;
  bool write_baseline = false, tables = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, kGuard.size()) == kGuard) guard = std::string(arg.substr(kGuard.size()));
    if (arg == "--write-baseline") write_baseline = true;
    if (arg == "--tables") tables = true;
  }
  if (tables) {
    int one = 1;
    benchmark::Initialize(&one, argv);
    return mapfault::bench::PrintBenchTables();
  }
  if (!guard.empty()) {
    int one = 1;
    benchmark::Initialize(&one, argv);
    return mapfault::bench::RunRatioGuard(guard, write_baseline);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
