// Entry point of mapfault_bench: runs the benchmarks of switch_bench.cc and schedule_bench.cc.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
