// A Google Benchmark reporter that keeps every run's counters by benchmark name, for the modes of
// mapfault_bench that turn figures into ratios (ratio_guard.cc) and tables (bench_tables.cc); and
// the CPU pinning the benchmarks share.
#ifndef MAPFAULT_BENCH_BENCH_COLLECTOR_H_
#define MAPFAULT_BENCH_BENCH_COLLECTOR_H_

#include <pthread.h>
#include <sched.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace mapfault::bench {

// One figure: a benchmark's counter. A `per_second` counter is read as nanoseconds per item.
struct Figure {
  const char* benchmark;
  const char* counter;
  bool per_second;
};

inline constexpr Figure kBareSwitch{"BM_BareFiberSwitch", "ns_per_switch", false};

// Pins the calling thread to CPU 0; false when CPU 0 is not allowed.
inline bool PinToCpu0() {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

class Collector final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      for (const auto& [name, counter] : r.counters) values_[r.benchmark_name()][name] = counter.value;
    }
  }
  // The counter as it was reported; NaN when the benchmark or the counter is missing.
  double Raw(const char* benchmark, const char* counter) const {
    const auto b = values_.find(benchmark);
    if (b == values_.end()) return std::nan("");
    const auto c = b->second.find(counter);
    return c == b->second.end() ? std::nan("") : c->second;
  }
  // The figure in nanoseconds (per item for a per-second counter); NaN when missing or not > 0.
  double Ns(const Figure& f) const {
    const double v = Raw(f.benchmark, f.counter);
    if (!(v > 0)) return std::nan("");
    return f.per_second ? 1e9 / v : v;
  }

 private:
  std::map<std::string, std::map<std::string, double>> values_;
};

}  // namespace mapfault::bench

#endif  // MAPFAULT_BENCH_BENCH_COLLECTOR_H_
