// `mapfault_bench --tables`: the performance tables of docs/performance.md, measured and printed in
// Markdown (bench/report.sh splices them into the docs).
#ifndef MAPFAULT_BENCH_BENCH_TABLES_H_
#define MAPFAULT_BENCH_BENCH_TABLES_H_

namespace mapfault::bench {

// Runs the scheduler and checker benchmarks once and prints the tables; returns the exit status.
int PrintBenchTables();

}  // namespace mapfault::bench

#endif  // MAPFAULT_BENCH_BENCH_TABLES_H_
