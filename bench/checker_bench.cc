// Checker throughput: mapfault::CheckHistory over synthetic histories that are linearizable by
// construction. Four logical threads issue single-key operations (insert/assign/erase/find,
// 25/25/20/30) over 1,000 keys, each with a random duration on a logical clock, so operations of
// different threads overlap; each operation takes effect at a linearization point drawn uniformly
// inside its interval, and its result is computed by applying the operations to a std::map model
// in linearization-point order. Every history is checked once before timing (no violation, nothing
// undecided), so a failing check is a SkipWithError, never a silently fast benchmark.
//  - BM_CheckLinearizable/<ops>: the linearizable checker alone; counter "ops_per_s".
//  - BM_CheckAllInvariants/<ops>: every checker, on the same history with a few of the finds
//    replaced by size() (result: the model's size) and read-only for_each (yields: the model's
//    contents at the linearization point, stamped just after it); counter "ops_per_s".
//  - BM_CheckLinearizableKeys/<keys>/<ops>: the linearizable checker alone over 10 keys (most
//    operations on a key overlap another on it) or 1,000 keys, for 100k to 1M operations; counters
//    "ops_per_s", "same_key_overlap" and "bytes_per_event" (the peak heap one check allocates,
//    divided by the operations; measured once, outside the timed loop).
//  - BM_PathologicalSingleKey: one key, 64 fully overlapping assigns then 64 fully overlapping
//    finds that each report their own thread's write (no linearization allows more than one of
//    those values). The search cannot decide within the budget (100,000 steps): the check must
//    end "undecided", in bounded time.
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/checkers/checkers.h"
#include "harness/checkers/history_index.h"
#include "harness/checkers/linearizability.h"
#include "harness/base/history.h"
#include "harness/base/rng.h"

namespace mapfault {
namespace {

constexpr int kThreads = 4;
constexpr int kKeys = 1000;  // the default key count; half of the keys are present initially
constexpr uint64_t kSeed = 20240611;
// Kind draw out of 10,000: insert / assign / erase / find (the rest).
constexpr uint64_t kInsertBelow = 2500;
constexpr uint64_t kAssignBelow = 5000;
constexpr uint64_t kEraseBelow = 7000;
constexpr uint64_t kDrawRange = 10000;
constexpr uint64_t kMaxGapTicks = 4;       // idle ticks before a thread's next call: 1..4
constexpr uint64_t kMaxDurationTicks = 8;  // ticks an operation lasts: 1..8
// Raw clock: (tick * kThreads + thread) * kSubTicks. Linearization points and yield stamps fall
// between these; a for_each's yields use its own thread's slot, so every stamp is unique.
constexpr uint64_t kSubTicks = 4096;
static_assert(kKeys < kSubTicks / 2, "a for_each's yields must fit in half a slot");
constexpr Value kValueStride = Value{1} << 32;  // op values (thread + 1) * stride + index: unique

constexpr int64_t kAllInvariantsOps = 100000;
// Out of 10,000 draws, taken from the finds' share in BM_CheckAllInvariants.
constexpr uint64_t kSizePer10k = 2;     // ~20 size() calls per 100,000 ops
constexpr uint64_t kForEachPer10k = 2;  // ~20 for_each calls per 100,000 ops

constexpr int kPathologicalThreads = 64;
constexpr uint64_t kPathologicalBudget = 100000;

struct GenOptions {
  int64_t ops = 0;
  int keys = kKeys;
  uint64_t size_per_10k = 0;
  uint64_t for_each_per_10k = 0;
};

struct Generated {
  History history;
  int64_t sizes = 0;
  int64_t iterations = 0;
  int64_t yields = 0;
  double overlap_frac = 0;  // fraction of ops overlapping another op on the same key
};

uint64_t Raw(uint64_t tick, int thread) {
  return (tick * kThreads + static_cast<uint64_t>(thread)) * kSubTicks;
}

OpKind DrawKind(uint64_t draw, const GenOptions& g) {
  if (draw < kInsertBelow) return OpKind::kInsert;
  if (draw < kAssignBelow) return OpKind::kAssign;
  if (draw < kEraseBelow) return OpKind::kErase;
  if (draw < kEraseBelow + g.size_per_10k) return OpKind::kSize;
  if (draw < kEraseBelow + g.size_per_10k + g.for_each_per_10k) return OpKind::kForEach;
  return OpKind::kFind;
}

// Renumbers every stamp of `h` to 1, 2, 3, ... in the same order (a dense clock, as a trial's).
void CompressClock(History& h) {
  std::vector<uint64_t> stamps;
  for (const auto& ops : h.threads) {
    for (const OpRecord& op : ops) {
      stamps.push_back(op.invoke);
      stamps.push_back(op.response);
      for (const YieldRecord& y : op.yields) stamps.push_back(y.at);
    }
  }
  std::sort(stamps.begin(), stamps.end());
  auto rank = [&](uint64_t t) {
    return static_cast<uint64_t>(std::lower_bound(stamps.begin(), stamps.end(), t) -
                                 stamps.begin()) + 1;
  };
  for (auto& ops : h.threads) {
    for (OpRecord& op : ops) {
      op.invoke = rank(op.invoke);
      op.response = rank(op.response);
      for (YieldRecord& y : op.yields) y.at = rank(y.at);
    }
  }
  h.parallel_end = stamps.size() + 1;
}

double SameKeyOverlap(const History& h) {
  std::map<Key, std::vector<std::pair<uint64_t, uint64_t>>> by_key;
  int64_t total = 0;
  for (const auto& ops : h.threads) {
    for (const OpRecord& op : ops) {
      if (op.kind == OpKind::kSize || op.kind == OpKind::kForEach) continue;
      by_key[op.key].push_back({op.invoke, op.response});
      ++total;
    }
  }
  int64_t overlapping = 0;
  for (auto& [k, spans] : by_key) {
    std::sort(spans.begin(), spans.end());
    std::vector<bool> hit(spans.size(), false);
    for (size_t i = 0; i < spans.size(); ++i) {
      for (size_t j = i + 1; j < spans.size() && spans[j].first < spans[i].second; ++j) {
        hit[i] = hit[j] = true;
      }
    }
    overlapping += std::count(hit.begin(), hit.end(), true);
  }
  return total == 0 ? 0.0 : static_cast<double>(overlapping) / static_cast<double>(total);
}

Generated Generate(const GenOptions& g) {
  Generated out;
  History& h = out.history;
  Rng rng(kSeed);
  std::map<Key, Value> model;
  std::vector<Key> keys(g.keys);
  std::iota(keys.begin(), keys.end(), Key{0});
  for (int i = 0; i < g.keys / 2; ++i) {  // a random half of the keys, by partial Fisher-Yates
    std::swap(keys[i], keys[i + rng.Below(g.keys - i)]);
    model[keys[i]] = keys[i];
  }
  h.initial.assign(model.begin(), model.end());

  struct LinPoint {
    uint64_t at;
    int thread;
    int index;
  };
  std::vector<LinPoint> points;
  points.reserve(g.ops);
  h.threads.resize(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    Rng trng = rng.Split(static_cast<uint64_t>(t));
    const int64_t count = g.ops / kThreads + (t < g.ops % kThreads ? 1 : 0);
    uint64_t tick = 0;
    for (int i = 0; i < count; ++i) {
      // The same draws for every kind, so both mixes share their single-key operations.
      const uint64_t draw = trng.Below(kDrawRange);
      const Key key = static_cast<Key>(trng.Below(g.keys));
      const uint64_t begin = tick + 1 + trng.Below(kMaxGapTicks);
      const uint64_t end = begin + 1 + trng.Below(kMaxDurationTicks);
      const uint64_t lin_draw = trng.Next();
      tick = end;
      OpRecord op;
      op.kind = DrawKind(draw, g);
      op.thread = t;
      op.index = i;
      op.invoke = Raw(begin, t);
      op.response = Raw(end, t);
      uint64_t lin = 0;
      if (op.kind == OpKind::kForEach) {
        // In its own thread's slot of a tick inside the interval; yields stamped right after.
        lin = Raw(begin + lin_draw % (end - begin), t) + kSubTicks / 2;
      } else {
        lin = op.invoke + 1 + lin_draw % (op.response - op.invoke - 1);
      }
      if (op.kind != OpKind::kSize && op.kind != OpKind::kForEach) op.key = key;
      if (op.kind == OpKind::kInsert || op.kind == OpKind::kAssign) {
        op.value = (t + 1) * kValueStride + i;
      }
      h.threads[t].push_back(std::move(op));
      points.push_back({lin, t, i});
    }
  }
  std::sort(points.begin(), points.end(), [](const LinPoint& a, const LinPoint& b) {
    return a.at != b.at ? a.at < b.at : (a.thread != b.thread ? a.thread < b.thread
                                                              : a.index < b.index);
  });
  for (const LinPoint& p : points) {
    OpRecord& op = h.threads[p.thread][p.index];
    switch (op.kind) {
      case OpKind::kInsert:
        op.ok = model.emplace(op.key, op.value).second;
        break;
      case OpKind::kAssign: model[op.key] = op.value; break;
      case OpKind::kErase: op.ok = model.erase(op.key) > 0; break;
      case OpKind::kFind:
        if (auto it = model.find(op.key); it != model.end()) op.found = it->second;
        break;
      case OpKind::kSize:
        op.size = model.size();
        ++out.sizes;
        break;
      case OpKind::kForEach: {
        uint64_t at = p.at;
        for (const auto& [k, v] : model) op.yields.push_back({k, v, ++at, VisitAction::kContinue});
        ++out.iterations;
        out.yields += static_cast<int64_t>(op.yields.size());
        break;
      }
      case OpKind::kClear: break;
    }
  }
  h.final_state.emplace(model.begin(), model.end());
  CompressClock(h);
  out.overlap_frac = SameKeyOverlap(h);
  return out;
}

// Generated once per process and shape.
const Generated& CachedHistory(const GenOptions& g) {
  static std::map<std::tuple<int64_t, int, uint64_t, uint64_t>, std::unique_ptr<Generated>> cache;
  auto& slot = cache[{g.ops, g.keys, g.size_per_10k, g.for_each_per_10k}];
  if (!slot) slot = std::make_unique<Generated>(Generate(g));
  return *slot;
}

// Heap accounting for bytes_per_event: while g_heap_tracking is on, the replaced global
// allocation functions below count live bytes (by malloc_usable_size) and their peak.
std::atomic<bool> g_heap_tracking{false};
std::atomic<int64_t> g_heap_live{0};
std::atomic<int64_t> g_heap_peak{0};

void CountAlloc(void* p) {
  if (p == nullptr || !g_heap_tracking.load(std::memory_order_relaxed)) return;
  const int64_t live = g_heap_live.fetch_add(static_cast<int64_t>(malloc_usable_size(p))) +
                       static_cast<int64_t>(malloc_usable_size(p));
  int64_t peak = g_heap_peak.load();
  while (live > peak && !g_heap_peak.compare_exchange_weak(peak, live)) {
  }
}

void CountFree(void* p) {
  if (p == nullptr || !g_heap_tracking.load(std::memory_order_relaxed)) return;
  g_heap_live.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)));
}

// The peak heap (bytes above the level at the start) that `fn` allocates.
template <typename Fn>
int64_t PeakHeapBytes(Fn fn) {
  g_heap_live = 0;
  g_heap_peak = 0;
  g_heap_tracking = true;
  fn();
  g_heap_tracking = false;
  return g_heap_peak.load();
}

// SkipWithError unless checking `h` with `options` finds no violation and leaves nothing undecided.
bool VerifyClean(benchmark::State& state, const History& h, const CheckOptions& options) {
  const CheckResult r = CheckHistory(h, options);
  if (!r.violations.empty()) {
    state.SkipWithError(("generated history has a violation: " +
                         r.violations.front().explanation).c_str());
    return false;
  }
  if (!r.undecided.empty()) {
    state.SkipWithError("generated history left an invariant undecided");
    return false;
  }
  return true;
}

void TimeChecks(benchmark::State& state, const History& h, const CheckOptions& options,
                int64_t ops) {
  for (auto _ : state) {
    CheckResult r = CheckHistory(h, options);
    benchmark::DoNotOptimize(r);
  }
  state.counters["ops_per_s"] = benchmark::Counter(
      static_cast<double>(ops) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

// 1. The linearizable checker alone.
void BM_CheckLinearizable(benchmark::State& state) {
  const Generated& gen = CachedHistory({.ops = state.range(0)});
  CheckOptions options;
  options.which = InvariantSet{Invariant::kLinearizable};
  if (!VerifyClean(state, gen.history, options)) return;
  TimeChecks(state, gen.history, options, state.range(0));
  state.counters["same_key_overlap"] = gen.overlap_frac;
}
BENCHMARK(BM_CheckLinearizable)
    ->Arg(25000)->Arg(50000)->Arg(100000)->Arg(200000)
    ->Unit(benchmark::kMillisecond);

// 1b. The linearizable checker alone, 10 keys (heavy same-key overlap) vs 1,000 keys, N up to 1M.
void BM_CheckLinearizableKeys(benchmark::State& state) {
  const int64_t ops = state.range(1);
  const Generated& gen = CachedHistory({.ops = ops, .keys = static_cast<int>(state.range(0))});
  CheckOptions options;
  options.which = InvariantSet{Invariant::kLinearizable};
  if (!VerifyClean(state, gen.history, options)) return;
  const int64_t peak = PeakHeapBytes([&] {
    CheckResult r = CheckHistory(gen.history, options);
    benchmark::DoNotOptimize(r);
  });
  TimeChecks(state, gen.history, options, ops);
  state.counters["same_key_overlap"] = gen.overlap_frac;
  state.counters["bytes_per_event"] = static_cast<double>(peak) / static_cast<double>(ops);
}
BENCHMARK(BM_CheckLinearizableKeys)
    ->ArgsProduct({{10, 1000}, {100000, 200000, 500000, 1000000}})
    ->ArgNames({"keys", "ops"})
    ->Unit(benchmark::kMillisecond);

// 2. Every checker (default CheckOptions), with a few size() and for_each among the finds.
void BM_CheckAllInvariants(benchmark::State& state) {
  const Generated& gen = CachedHistory(
      {.ops = state.range(0), .size_per_10k = kSizePer10k, .for_each_per_10k = kForEachPer10k});
  const CheckOptions options;
  if (!VerifyClean(state, gen.history, options)) return;
  TimeChecks(state, gen.history, options, state.range(0));
  state.counters["sizes"] = static_cast<double>(gen.sizes);
  state.counters["for_eachs"] = static_cast<double>(gen.iterations);
  state.counters["yields"] = static_cast<double>(gen.yields);
}
BENCHMARK(BM_CheckAllInvariants)->Arg(kAllInvariantsOps)->Unit(benchmark::kMillisecond);

// One key; thread t assigns 100 + t (all 64 assigns overlap), then finds and reports its own
// value (all 64 finds overlap each other, and every find begins after every assign returned).
History PathologicalHistory() {
  History h;
  constexpr int n = kPathologicalThreads;
  h.threads.resize(n);
  for (int t = 0; t < n; ++t) {
    const auto u = static_cast<uint64_t>(t);
    OpRecord assign;
    assign.kind = OpKind::kAssign;
    assign.key = 0;
    assign.value = 100 + t;
    assign.thread = t;
    assign.index = 0;
    assign.invoke = 1 + u;       // 1..64
    assign.response = n + 1 + u;  // 65..128
    OpRecord find = assign;
    find.kind = OpKind::kFind;
    find.value = 0;
    find.index = 1;
    find.invoke = 2 * n + 1 + u;    // 129..192
    find.response = 3 * n + 1 + u;  // 193..256
    find.found = 100 + t;
    h.threads[t] = {assign, find};
  }
  h.parallel_end = 4 * n + 1;
  return h;
}

// 3. A pathological key: bounded time, verdict "undecided".
void BM_PathologicalSingleKey(benchmark::State& state) {
  const History h = PathologicalHistory();
  CheckOptions options;
  options.linearizability_budget = kPathologicalBudget;
  const CheckResult first = CheckHistory(h, options);
  if (!first.undecided.Contains(Invariant::kLinearizable)) {
    state.SkipWithError(first.violations.empty()
                            ? "expected linearizable to be undecided; it passed"
                            : ("expected undecided, got a violation: " +
                               first.violations.front().explanation).c_str());
    return;
  }
  // The search steps one check spends (the budget, plus the step that exceeded it).
  const HistoryIndex index(h);
  const LinOutcome direct = CheckKeyLinearizable(
      std::nullopt, KeyOps(index, 0, /*include_post=*/true), options.linearizability_budget);
  for (auto _ : state) {
    CheckResult r = CheckHistory(h, options);
    benchmark::DoNotOptimize(r);
  }
  state.counters["ops"] = 2.0 * kPathologicalThreads;
  state.counters["budget"] = static_cast<double>(options.linearizability_budget);
  state.counters["search_steps"] = static_cast<double>(direct.steps);
  state.counters["time_per_step"] = benchmark::Counter(
      static_cast<double>(direct.steps) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_PathologicalSingleKey)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mapfault

// The global allocation functions (see PeakHeapBytes); untracked, they cost one relaxed load.
// Out of line, so that GCC does not pair an inlined free() with operator new
// (-Wmismatched-new-delete).
__attribute__((noinline)) void* operator new(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  mapfault::CountAlloc(p);
  return p;
}
__attribute__((noinline)) void operator delete(void* p) noexcept {
  mapfault::CountFree(p);
  std::free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }
