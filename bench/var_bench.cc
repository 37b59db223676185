// The cost of Sync::Var under RealSync (real threads): the same read-modify-write loop over an
// array of plain fields and over an array of RealSync::Var cells. The ratio is the target of
// issue 14 (<= 1.05x): a Var must compile to a plain load and store.
#include <array>
#include <cstdint>

#include <benchmark/benchmark.h>

#include "harness/engine/sync.h"

namespace mapfault {
namespace {

constexpr int kCells = 1024;

// Cells updated per second: the counter the ratio guard and the tables read ("cells_per_s").
void ReportCells(benchmark::State& state) {
  const double cells = static_cast<double>(state.iterations()) * kCells;
  state.SetItemsProcessed(state.iterations() * kCells);
  state.counters["cells_per_s"] = benchmark::Counter(cells, benchmark::Counter::kIsRate);
}

struct PlainNode {
  int64_t key;
  int64_t value;
};

struct VarNode {
  RealSync::Var<int64_t> key;
  RealSync::Var<int64_t> value;
};

void BM_PlainField(benchmark::State& state) {
  static std::array<PlainNode, kCells> nodes{};
  for (auto _ : state) {
    for (PlainNode& n : nodes) n.value = n.value + n.key + 1;
    benchmark::ClobberMemory();
  }
  ReportCells(state);
}
BENCHMARK(BM_PlainField);

void BM_VarRealSync(benchmark::State& state) {
  static std::array<VarNode, kCells> nodes{};
  for (auto _ : state) {
    for (VarNode& n : nodes) n.value.Set(n.value.Get() + n.key.Get() + 1);
    benchmark::ClobberMemory();
  }
  ReportCells(state);
}
BENCHMARK(BM_VarRealSync);

}  // namespace
}  // namespace mapfault
