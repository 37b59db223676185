// The performance guard CI runs (`mapfault_bench --ratio-guard=FILE`): benchmarks run in one
// process, figures turned into ratios against a figure measured in the same run, mostly the bare
// fiber switch (so a faster or slower machine, or a loaded one, moves numerator and denominator
// together), the best of three runs kept, and each ratio compared with the committed baseline. It
// fails only when a ratio is worse than its baseline by more than its margin (the file's, or the
// ratio's own); `--write-baseline` regenerates the file.
#ifndef MAPFAULT_BENCH_RATIO_GUARD_H_
#define MAPFAULT_BENCH_RATIO_GUARD_H_

#include <string>

namespace mapfault::bench {

// Runs the guard against the baseline at `path` (or, with `write_baseline`, measures and writes
// it). Returns the process exit status: 0 within the margin, 1 a ratio regressed, 2 a bad file.
int RunRatioGuard(const std::string& path, bool write_baseline);

}  // namespace mapfault::bench

#endif  // MAPFAULT_BENCH_RATIO_GUARD_H_
