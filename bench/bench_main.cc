// Entry point of mapfault_bench: runs the benchmarks of switch_bench.cc, schedule_bench.cc,
// checker_bench.cc, backend_bench.cc and start_skew_bench.cc.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
