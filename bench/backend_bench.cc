// Operation throughput of mapfault's map backends on real OS threads, in two families.
//
// 1. Hooks overhead (DESIGN.md section 7: "hooks present but noise off: <= 2x slowdown of raw
//    operation throughput"), single-threaded. Each benchmark runs two variants of one backend
//    alternately (which one goes first alternates too, so machine noise hits both alike), each
//    timed in the thread's CPU time:
//      hooks = the backend as the harness's perturbed mode runs it, with no noise plan installed:
//              a white-box backend over RealSync (every yield, lock and unlock is a
//              PerturbationPoint), a black-box backend as its wrapper class in maps/blackbox/
//              (whose only perturbation points are between iterated entries);
//      bare  = the same white-box template over BareSync (bench/bare_sync.h: the same std
//              primitives, no perturbation points), or the raw library used the same way
//              (std::unordered_map; absl::flat_hash_map + absl::Mutex; tbb::concurrent_hash_map
//              through accessors; tbb::concurrent_unordered_map).
//    Both variants run the identical precomputed (seeded) operations, so they hold the same
//    contents throughout; their result checksums must agree or the benchmark fails. The maps are
//    called directly (not through AnyMap's virtual calls) and the operation runner's own
//    per-operation perturbation point is not included: this is the cost the hooks add inside the
//    backends.
//    - BM_HooksOps/<backend>: 70% find, 10% insert, 10% erase, 10% assign over 1,024 keys, half of
//      them present at the start. Counters per operation.
//    - BM_HooksIter/<backend>: read-only for_each over a map of all 1,024 keys with a visitor that
//      only sums the entries (the worst case for per-entry hooks). Counters per visited entry. Both
//      variants take the same visitor type (absl::FunctionRef, as harness/engine/backend.h's Visitor), so
//      the ratio isolates the hooks.
//    Counters: bare_ns and hooks_ns (ns per operation or per visited entry), and their quotient
//    ratio (hooks_ns / bare_ns). The Time column is one pass of both variants and means little on
//    its own. The row control_bare_vs_bare runs the bare naive map against itself: its ratio
//    (1.00) is the method's noise floor.
// 2. ops/s with 2 threads: two OS threads hammer one shared map (the harness's variant: RealSync or
//    the wrapper, no noise plan) for a fixed wall time (kRunTime) per benchmark iteration; only the
//    backends whose contract allows the mix (not naive, not std_unordered: both are racy by
//    design). Timed in wall-clock time (manual time); on_cpu_pct is the share of that time the two
//    threads were on a CPU (below 100: blocked in a lock, or preempted on a shared machine).
//    - BM_TwoThreadsReadHeavy/<backend>: each thread runs its own sequence of 90% find, 5% insert,
//      5% erase over 1,024 keys (half present at the start). items_per_second = operations of both.
//    - BM_TwoThreadsIterate/<backend>: thread 0 runs read-only for_each back to back while thread 1
//      inserts and erases random keys (50/50). Counters iters_per_s (whole for_each calls, each
//      over ~512 entries), writes_per_s (thread 1's operations) and items_per_second (both, a
//      for_each counting as one operation).
//    Contract exceptions (oneTBB's docs): tbb_hash has no iterate benchmark (iteration concurrent
//    with any other method is undefined); tbb_unordered's erase is unsafe_erase, not
//    concurrency-safe, so its threads insert and find only (its erases become inserts: read-heavy
//    90% find / 10% insert, writer 100% insert). Its key space is fixed, so once all 1,024 keys are
//    present its inserts fail (a lookup inside), and its iterations walk all 1,024 entries: its
//    figures are not like-for-like with the others' insert/erase churn.
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/tbb/concurrent_hash_map.h>
#include <oneapi/tbb/concurrent_unordered_map.h>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "bench/bare_sync.h"
#include "harness/engine/backend.h"
#include "harness/strategies/noise.h"
#include "harness/base/rng.h"
#include "harness/engine/sync.h"
#include "harness/base/types.h"
#include "maps/blackbox/absl_mutex.h"
#include "maps/blackbox/std_unordered.h"
#include "maps/blackbox/tbb_maps.h"
#include "maps/collect_then_delete.h"
#include "maps/cow_snapshot.h"
#include "maps/lockfree.h"
#include "maps/mutex_map.h"
#include "maps/naive.h"
#include "maps/rwlock_map.h"
#include "maps/tombstone.h"

namespace mapfault {
namespace {

using Clock = std::chrono::steady_clock;

constexpr Key kKeys = 1024;  // key space: 0 .. kKeys-1
// Operations per precomputed sequence (4 bytes each). Long on purpose: a branch predictor learns a
// short random sequence replayed over and over (with 16,384 ops, a bare naive find/insert/erase mix
// measured 3.8 ns/op in one code layout and 15 ns/op in another), which would make the ratio a
// property of code layout. A hooks pass runs one slice of kSliceOps operations, the next pass the
// next slice (the same for both variants); 2-thread workers cycle through their own sequences.
constexpr size_t kSequenceOps = size_t{1} << 20;
constexpr size_t kSliceOps = size_t{1} << 16;
constexpr int kIterationsPerPass = 256;  // hooks family: whole for_each calls per timed pass
constexpr int kOpsPerStopCheck = 16;     // 2-thread family: operations between stop-flag loads
constexpr auto kRunTime = std::chrono::milliseconds(20);  // 2-thread family: one iteration
// Minimum measured seconds per repetition (keeps this file's benchmarks under a minute in all).
constexpr double kHooksMinTime = 0.1;
constexpr double kTwoThreadsMinTime = 0.2;
constexpr uint64_t kSeed = 20240917;
static_assert((kSequenceOps & (kSequenceOps - 1)) == 0, "2-thread workers index with a mask");
static_assert(kSequenceOps % kSliceOps == 0);
static_assert(kKeys <= 65536, "Op stores the key in 16 bits");

// ---------------------------------------------------------------------------------------------
// Bare black-box equivalents: the raw libraries, used as the wrappers in maps/blackbox/ use them,
// without perturbation points (and with the same interface, so one driver runs both).

class BareStdUnordered {
 public:
  bool Insert(Key k, Value v) { return map_.emplace(k, v).second; }
  void Assign(Key k, Value v) { map_[k] = v; }
  bool Erase(Key k) { return map_.erase(k) == 1; }
  std::optional<Value> Find(Key k) {
    auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional<Value>(it->second);
  }
  void ForEach(Visitor visit, IterKind) {
    for (const auto& [k, v] : map_) {
      if (visit(k, v) == VisitAction::kStop) return;
    }
  }

 private:
  std::unordered_map<Key, Value> map_;
};

class BareAbslMutex {
 public:
  bool Insert(Key k, Value v) {
    absl::MutexLock l(&mu_);
    return map_.emplace(k, v).second;
  }
  void Assign(Key k, Value v) {
    absl::MutexLock l(&mu_);
    map_[k] = v;
  }
  bool Erase(Key k) {
    absl::MutexLock l(&mu_);
    return map_.erase(k) == 1;
  }
  std::optional<Value> Find(Key k) {
    absl::ReaderMutexLock l(&mu_);
    auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional<Value>(it->second);
  }
  void ForEach(Visitor visit, IterKind) {
    absl::ReaderMutexLock l(&mu_);
    for (const auto& [k, v] : map_) {
      if (visit(k, v) == VisitAction::kStop) return;
    }
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<Key, Value> map_;
};

class BareTbbHash {
 public:
  using Map = tbb::concurrent_hash_map<Key, Value>;
  bool Insert(Key k, Value v) {
    Map::accessor a;
    if (!map_.insert(a, k)) return false;
    a->second = v;
    return true;
  }
  void Assign(Key k, Value v) {
    Map::accessor a;
    map_.insert(a, k);
    a->second = v;
  }
  bool Erase(Key k) { return map_.erase(k); }
  std::optional<Value> Find(Key k) {
    Map::const_accessor a;
    if (!map_.find(a, k)) return std::nullopt;
    return a->second;
  }
  void ForEach(Visitor visit, IterKind) {
    for (const auto& [k, v] : map_) {
      if (visit(k, v) == VisitAction::kStop) return;
    }
  }

 private:
  Map map_;
};

class BareTbbUnordered {
 public:
  bool Insert(Key k, Value v) { return map_.emplace(k, v).second; }
  void Assign(Key k, Value v) {
    auto [it, inserted] = map_.emplace(k, v);
    if (!inserted) it->second = v;
  }
  bool Erase(Key k) { return map_.unsafe_erase(k) == 1; }
  std::optional<Value> Find(Key k) {
    auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional<Value>(it->second);
  }
  void ForEach(Visitor visit, IterKind) {
    for (const auto& [k, v] : map_) {
      if (visit(k, v) == VisitAction::kStop) return;
    }
  }

 private:
  tbb::concurrent_unordered_map<Key, Value> map_;
};

// ---------------------------------------------------------------------------------------------
// Operation sequences and the driver.

// One operation of a sequence; the value an insert or assign writes is derived from its position.
struct Op {
  uint16_t key;
  OpKind kind;
};

// Percentages of each operation kind; they sum to 100.
struct Mix {
  int find = 0;
  int insert = 0;
  int erase = 0;
  int assign = 0;
};

constexpr Mix kHooksMix{.find = 70, .insert = 10, .erase = 10, .assign = 10};
constexpr Mix kReadHeavyMix{.find = 90, .insert = 5, .erase = 5};
constexpr Mix kWriterMix{.insert = 50, .erase = 50};
// tbb_unordered: no erase may run concurrently, so its erases become inserts.
constexpr Mix kReadHeavyNoEraseMix{.find = 90, .insert = 10};
constexpr Mix kWriterNoEraseMix{.insert = 100};

std::vector<Op> MakeOps(Mix mix, size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<Op> ops;
  ops.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const int draw = static_cast<int>(rng.Below(100));
    const auto key = static_cast<uint16_t>(rng.Below(static_cast<uint64_t>(kKeys)));
    OpKind kind = OpKind::kAssign;
    if (draw < mix.find) {
      kind = OpKind::kFind;
    } else if (draw < mix.find + mix.insert) {
      kind = OpKind::kInsert;
    } else if (draw < mix.find + mix.insert + mix.erase) {
      kind = OpKind::kErase;
    }
    ops.push_back(Op{key, kind});
  }
  return ops;
}

// The sequences, each built once on first use (shared by every backend's benchmarks).
const std::vector<Op>& HooksSequence() {
  static const std::vector<Op> ops = MakeOps(kHooksMix, kSequenceOps, kSeed);
  return ops;
}
const std::vector<Op>& ReadHeavySequence(int thread, bool no_erase) {
  static const std::vector<Op> ops[2][2] = {
      {MakeOps(kReadHeavyMix, kSequenceOps, kSeed + 1),
       MakeOps(kReadHeavyMix, kSequenceOps, kSeed + 2)},
      {MakeOps(kReadHeavyNoEraseMix, kSequenceOps, kSeed + 1),
       MakeOps(kReadHeavyNoEraseMix, kSequenceOps, kSeed + 2)},
  };
  return ops[no_erase ? 1 : 0][thread];
}
const std::vector<Op>& WriterSequence(bool no_erase) {
  static const std::vector<Op> ops[2] = {MakeOps(kWriterMix, kSequenceOps, kSeed + 3),
                                         MakeOps(kWriterNoEraseMix, kSequenceOps, kSeed + 3)};
  return ops[no_erase ? 1 : 0];
}

// Applies one operation; the result feeds a checksum (so nothing is optimised away, and the two
// variants of a hooks benchmark can be compared). `position` is the operation's index in its
// sequence or run (it gives the value written).
template <class M>
inline uint64_t Apply(M& map, const Op& op, size_t position) {
  const Key key = op.key;
  const auto value = static_cast<Value>(position + 1);
  switch (op.kind) {
    case OpKind::kFind: {
      const std::optional<Value> v = map.Find(key);
      return v.has_value() ? static_cast<uint64_t>(*v) : 1;
    }
    case OpKind::kInsert:
      return map.Insert(key, value) ? 3 : 5;
    case OpKind::kErase:
      return map.Erase(key) ? 7 : 11;
    case OpKind::kAssign:
      map.Assign(key, value);
      return 13;
    default:
      return 0;
  }
}

// Half of the keys (the even ones) present, or all of them.
template <class M>
void Prefill(M& map, bool all) {
  for (Key k = 0; k < kKeys; k += all ? 1 : 2) map.Insert(k, k);
}

// One read-only for_each; returns a checksum of the entries visited and counts them.
template <class M>
uint64_t SumEntries(M& map, int64_t& visited) {
  uint64_t sum = 0;
  int64_t n = 0;
  map.ForEach(
      [&](Key k, Value v) {
        sum += static_cast<uint64_t>(k) * 31 + static_cast<uint64_t>(v);
        ++n;
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  visited += n;
  return sum;
}

// CPU time consumed by the calling OS thread, in nanoseconds.
double ThreadCpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return 1e9 * static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec);
}

// ---------------------------------------------------------------------------------------------
// Family 1: hooks overhead.

// A variant of a hooks benchmark: its map, and the CPU time, work units (operations or visited
// entries) and result checksum of its timed passes.
template <class M>
struct Variant {
  std::unique_ptr<M> map = std::make_unique<M>();
  double ns = 0;
  int64_t units = 0;
  uint64_t checksum = 0;
};

bool NoNoisePlan(benchmark::State& state) {
  if (CurrentPerturbationHook() == nullptr) return true;
  state.SkipWithError("a noise plan is installed on the benchmark thread");
  return false;
}

// Runs `pass(map, units, n)` (pass number n; it returns a checksum and adds its work to `units`) on
// both variants once per benchmark iteration, alternating which goes first; then checks that both
// computed the same and sets the counters.
template <class Hooked, class Bare, class Pass>
void AlternatePasses(benchmark::State& state, Variant<Hooked>& hooked, Variant<Bare>& bare,
                     Pass pass) {
  size_t n = 0;
  auto timed = [&pass, &n](auto& variant) {
    const double start = ThreadCpuNanos();
    variant.checksum += pass(*variant.map, variant.units, n);
    variant.ns += ThreadCpuNanos() - start;
  };
  bool hooked_first = false;
  for (auto _ : state) {
    ++n;
    hooked_first = !hooked_first;
    if (hooked_first) {
      timed(hooked);
      timed(bare);
    } else {
      timed(bare);
      timed(hooked);
    }
  }
  if (hooked.checksum != bare.checksum || hooked.units != bare.units) {
    state.SkipWithError("the hooks and bare variants computed different results");
    return;
  }
  if (bare.units <= 0 || bare.ns <= 0) return;
  const double units = static_cast<double>(bare.units);
  state.counters["bare_ns"] = benchmark::Counter(bare.ns / units);
  state.counters["hooks_ns"] = benchmark::Counter(hooked.ns / units);
  state.counters["ratio"] = benchmark::Counter(hooked.ns / bare.ns);
}

template <class Hooked, class Bare>
void HooksOps(benchmark::State& state) {
  if (!NoNoisePlan(state)) return;
  auto pass = [](auto& map, int64_t& units, size_t n) {
    const std::vector<Op>& ops = HooksSequence();
    const size_t begin = n * kSliceOps % kSequenceOps;
    uint64_t sum = 0;
    for (size_t i = begin; i < begin + kSliceOps; ++i) sum += Apply(map, ops[i], i);
    units += static_cast<int64_t>(kSliceOps);
    return sum;
  };
  Variant<Hooked> hooked;
  Variant<Bare> bare;
  Prefill(*hooked.map, false);
  Prefill(*bare.map, false);
  int64_t warm_up = 0;  // one untimed pass each: the maps reach their steady size
  pass(*hooked.map, warm_up, 0);
  pass(*bare.map, warm_up, 0);
  AlternatePasses(state, hooked, bare, pass);
}

template <class Hooked, class Bare>
void HooksIter(benchmark::State& state) {
  if (!NoNoisePlan(state)) return;
  auto pass = [](auto& map, int64_t& units, size_t) {
    uint64_t sum = 0;
    for (int i = 0; i < kIterationsPerPass; ++i) sum += SumEntries(map, units);
    return sum;
  };
  Variant<Hooked> hooked;
  Variant<Bare> bare;
  Prefill(*hooked.map, true);
  Prefill(*bare.map, true);
  int64_t warm_up = 0;
  pass(*hooked.map, warm_up, 0);
  pass(*bare.map, warm_up, 0);
  AlternatePasses(state, hooked, bare, pass);
}

// ---------------------------------------------------------------------------------------------
// Family 2: ops/s with 2 threads.

// Runs `ops` cyclically on `map` until `stop`; returns the number of operations done.
template <class M>
int64_t RunUntil(M& map, const std::vector<Op>& ops, const std::atomic<bool>& stop) {
  const size_t mask = ops.size() - 1;
  uint64_t sum = 0;
  int64_t done = 0;
  size_t i = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    for (int j = 0; j < kOpsPerStopCheck; ++j, ++i) sum += Apply(map, ops[i & mask], i);
    done += kOpsPerStopCheck;
  }
  benchmark::DoNotOptimize(sum);
  return done;
}

// Runs read-only for_each on `map` back to back until `stop`; returns the number of calls.
template <class M>
int64_t IterateUntil(M& map, const std::atomic<bool>& stop) {
  uint64_t sum = 0;
  int64_t visited = 0;
  int64_t calls = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    sum += SumEntries(map, visited);
    ++calls;
  }
  benchmark::DoNotOptimize(sum);
  benchmark::DoNotOptimize(visited);
  return calls;
}

// Each benchmark iteration: a fresh map with half of the keys, two threads released together, run
// for kRunTime of wall time; the iteration time is from the release until both threads have joined.
// `work(t, map, stop)` is thread t's body and returns its operation count. Sets the counter
// on_cpu_pct: the share of that wall time the two threads spent on a CPU (below 100: blocked in a
// lock, or preempted by other processes on a shared machine).
template <class M, class Work>
void RunTwoThreads(benchmark::State& state, Work work, int64_t (&total)[2]) {
  double cpu_ns = 0;
  double wall_ns = 0;
  for (auto _ : state) {
    auto map = std::make_unique<M>();
    Prefill(*map, false);
    std::atomic<int> ready = 0;
    std::atomic<bool> go = false;
    std::atomic<bool> stop = false;
    int64_t done[2] = {0, 0};
    double on_cpu[2] = {0, 0};
    auto body = [&](int t) {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      const double start = ThreadCpuNanos();
      done[t] = work(t, *map, stop);
      on_cpu[t] = ThreadCpuNanos() - start;
    };
    std::thread t0(body, 0);
    std::thread t1(body, 1);
    while (ready.load() < 2) std::this_thread::yield();
    const Clock::time_point start = Clock::now();
    go.store(true, std::memory_order_release);
    std::this_thread::sleep_for(kRunTime);
    stop.store(true, std::memory_order_relaxed);
    t0.join();
    t1.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    state.SetIterationTime(seconds);
    total[0] += done[0];
    total[1] += done[1];
    cpu_ns += on_cpu[0] + on_cpu[1];
    wall_ns += 2e9 * seconds;
  }
  if (wall_ns > 0) state.counters["on_cpu_pct"] = benchmark::Counter(100 * cpu_ns / wall_ns);
}

template <class M>
void TwoThreadsReadHeavy(benchmark::State& state, bool no_erase) {
  const std::vector<Op>* sequences[2] = {&ReadHeavySequence(0, no_erase),
                                         &ReadHeavySequence(1, no_erase)};
  int64_t total[2] = {0, 0};
  RunTwoThreads<M>(
      state,
      [&sequences](int t, M& map, const std::atomic<bool>& stop) {
        return RunUntil(map, *sequences[t], stop);
      },
      total);
  state.SetItemsProcessed(total[0] + total[1]);
  if (no_erase) state.SetLabel("insert/find only");
}

template <class M>
void TwoThreadsIterate(benchmark::State& state, bool no_erase) {
  const std::vector<Op>* writer = &WriterSequence(no_erase);
  int64_t total[2] = {0, 0};
  RunTwoThreads<M>(
      state,
      [writer](int t, M& map, const std::atomic<bool>& stop) {
        return t == 0 ? IterateUntil(map, stop) : RunUntil(map, *writer, stop);
      },
      total);
  state.SetItemsProcessed(total[0] + total[1]);
  state.counters["iters_per_s"] =
      benchmark::Counter(static_cast<double>(total[0]), benchmark::Counter::kIsRate);
  state.counters["writes_per_s"] =
      benchmark::Counter(static_cast<double>(total[1]), benchmark::Counter::kIsRate);
  if (no_erase) state.SetLabel("writer inserts only");
}

// ---------------------------------------------------------------------------------------------
// Registration: one line per backend (in RegisterFamily), run once per family so that the output
// lists the whole hooks family first.

enum class Family : uint8_t { kHooks, kTwoThreads };

// What the 2-thread benchmarks may do with a backend, per its concurrency contract.
enum class Contract : uint8_t {
  kRacy,               // unsynchronised (naive, std_unordered): single-threaded benchmarks only
  kSafe,               // every operation, iteration included, is safe concurrently
  kNoConcurrentIter,   // iteration concurrent with anything is undefined (tbb_hash): no iterate mix
  kNoConcurrentErase,  // erase is unsafe_erase (tbb_unordered): insert and find only
};

template <class Hooked, class Bare>
void RegisterBackend(Family family, const std::string& id, Contract contract) {
  if (family == Family::kHooks) {
    benchmark::RegisterBenchmark(("BM_HooksOps/" + id).c_str(), HooksOps<Hooked, Bare>)
        ->MinTime(kHooksMinTime)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("BM_HooksIter/" + id).c_str(), HooksIter<Hooked, Bare>)
        ->MinTime(kHooksMinTime)
        ->Unit(benchmark::kMicrosecond);
    return;
  }
  if (contract == Contract::kRacy) return;
  const bool no_erase = contract == Contract::kNoConcurrentErase;
  benchmark::RegisterBenchmark(
      ("BM_TwoThreadsReadHeavy/" + id).c_str(),
      [no_erase](benchmark::State& s) { TwoThreadsReadHeavy<Hooked>(s, no_erase); })
      ->UseManualTime()
      ->MinTime(kTwoThreadsMinTime)
      ->Unit(benchmark::kMillisecond);
  // tbb_hash: iteration concurrent with writes is outside its contract (oneTBB docs), not measured.
  if (contract == Contract::kNoConcurrentIter) return;
  benchmark::RegisterBenchmark(
      ("BM_TwoThreadsIterate/" + id).c_str(),
      [no_erase](benchmark::State& s) { TwoThreadsIterate<Hooked>(s, no_erase); })
      ->UseManualTime()
      ->MinTime(kTwoThreadsMinTime)
      ->Unit(benchmark::kMillisecond);
}

// The lock-free map with its default (correct) policy, as a one-parameter template.
template <class Sync>
using CorrectLockFreeMap = LockFreeMap<Sync>;

// A white-box backend: the template over RealSync (hooks) and over BareSync (bare).
template <template <class> class M>
void WhiteBox(Family family, const std::string& id, Contract contract) {
  RegisterBackend<M<RealSync>, M<BareSync>>(family, id, contract);
}

// A black-box backend: its wrapper class (hooks) and the raw library used the same way (bare).
template <class Wrapper, class Bare>
void BlackBox(Family family, const std::string& id, Contract contract) {
  RegisterBackend<Wrapper, Bare>(family, id, contract);
}

void RegisterFamily(Family family) {
  // Control: the same bare type on both sides; its ratio must be 1.00 (the method's noise floor).
  RegisterBackend<NaiveMap<BareSync>, NaiveMap<BareSync>>(family, "control_bare_vs_bare",
                                                          Contract::kRacy);
  WhiteBox<NaiveMap>(family, "naive", Contract::kRacy);
  WhiteBox<MutexMap>(family, "mutex", Contract::kSafe);
  WhiteBox<RwLockMap>(family, "rwlock", Contract::kSafe);
  WhiteBox<CollectThenDeleteMap>(family, "collect_then_delete", Contract::kSafe);
  WhiteBox<TombstoneMap>(family, "tombstone", Contract::kSafe);
  WhiteBox<CowSnapshotMap>(family, "cow_snapshot", Contract::kSafe);
  WhiteBox<CorrectLockFreeMap>(family, "lockfree", Contract::kSafe);
  BlackBox<StdUnorderedMap, BareStdUnordered>(family, "std_unordered", Contract::kRacy);
  BlackBox<AbslMutexMap, BareAbslMutex>(family, "absl_mutex", Contract::kSafe);
  BlackBox<TbbHashMap, BareTbbHash>(family, "tbb_hash", Contract::kNoConcurrentIter);
  BlackBox<TbbUnorderedMap, BareTbbUnordered>(family, "tbb_unordered",
                                              Contract::kNoConcurrentErase);
}

[[maybe_unused]] const bool kRegistered = [] {
  RegisterFamily(Family::kHooks);
  RegisterFamily(Family::kTwoThreads);
  return true;
}();

}  // namespace
}  // namespace mapfault
