// Happens-before for the controlled scheduler: a vector clock per logical thread, joined through
// every Sync operation (lock hand-offs, atomics by their memory order, fences), and FastTrack-style
// shadow state per Var cell (Flanagan & Freund, PLDI 2009): the last write's epoch and the last
// read's epoch, widened to a read set only while reads of different threads are concurrent. Two
// accesses of different threads to one Var, at least one a write, not ordered by happens-before,
// are a data race.
//
// Shadow state lives in the objects themselves (SyncClock, VarShadow) and is valid only while its
// generation is the running trial's: a new trial starts a new generation, so nothing is reset per
// object and memory reused from an earlier trial starts fresh. Accesses outside a trial (the init
// and post parts, which the trial threads' start and join order before and after everything) are
// not recorded.
#ifndef MAPFAULT_HARNESS_ENGINE_HAPPENS_BEFORE_H_
#define MAPFAULT_HARNESS_ENGINE_HAPPENS_BEFORE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace mapfault {

// Which happens-before edges atomics create. kSc: every atomic operation counts as seq_cst (a
// store releases, a load acquires). kC11: each operation's declared memory_order counts (a relaxed
// store publishes nothing; release sequences and fences as in C++20).
enum class MemoryModel : uint8_t { kSc = 0, kC11 = 1 };

// The clock a sync object carries: a mutex's last release, an atomic's release sequence.
struct SyncClock {
  uint32_t gen = 0;   // the trial generation the slot belongs to; another one: an empty clock
  uint32_t slot = 0;  // index of the clock in the trial's pool
};

// A call site: where a Var access is written. Filled from __builtin_FILE() / __builtin_LINE()
// default arguments (GCC and clang alike; clang 14 with libstdc++ 12 has no std::source_location).
struct CodeSite {
  const char* file = "";
  uint32_t line = 0;
};

// One access of a Var, as a race report names it.
struct VarAccess {
  uint32_t step = 0;            // the scheduling step the thread was in
  int thread = 0;
  bool write = false;
  const char* label = nullptr;  // the thread's last scheduling point (what it was doing)
  CodeSite where;                // the Get / Set call
};

// One side of a Var's shadow: its last write, or its last read.
struct AccessRecord {
  const char* label;  // the access's thread's last scheduling point
  const char* file;   // its call site (CodeSite)
  uint32_t clock;     // its epoch clock; 0: none (see VarShadow)
  uint32_t step;
  uint32_t line;
  uint8_t thread;

  void Record(const VarAccess& a, uint32_t epoch) {
    clock = epoch;
    thread = static_cast<uint8_t>(a.thread);
    step = a.step;
    label = a.label;
    file = a.where.file;
    line = a.where.line;
  }
  // The access recorded, as a race report names it.
  VarAccess Access(bool is_write) const { return {step, thread, is_write, label, {file, line}}; }
  friend bool operator==(const AccessRecord&, const AccessRecord&) = default;
};

// The shadow state of one Var. Only `gen` is initialised: HappensBefore::Fresh resets the rest on
// the Var's first access in a trial, so constructing a Var (a node's three, a bucket array's
// hundreds) costs one store besides its value.
struct VarShadow {
  uint32_t gen = 0;
  uint32_t read_set;   // with read.clock == kReadSet: index of the read set
  AccessRecord write;  // clock 0: not written in this trial
  AccessRecord read;   // clock 0: no read since the write; or kReadSet
};
static_assert(sizeof(VarShadow) == 72, "a Var's shadow: two 32-byte sides and 8 bytes");

// The modification order of one atomic location under MemoryModel::kC11 (weak atomics): its last
// kStoreHistory stores, oldest first; a load may read any of them that coherence and
// happens-before allow (HappensBefore::Readable). Stores join the order at its end, in execution
// order; older stores than the history holds can no longer be read.
inline constexpr int kStoreHistory = 4;

struct StoreRecord {
  uint32_t release = 0;  // pool slot of the release-sequence clock the store carries; 0: none
  uint32_t seen = 0;     // pool slot: per thread, the epoch it first read the store in; 0: none
  uint32_t epoch = 0;    // the storing thread's epoch at the store; 0: before the trial
  uint32_t step = 0;     // the scheduling step of the store (seq_cst fences order by steps)
  uint8_t thread = 0;
};

struct StoreHistory {
  uint32_t gen = 0;    // the trial generation; another one: only the value before the trial
  uint32_t count = 0;  // stores in this trial's order, the value before the trial as store #0
  StoreRecord records[kStoreHistory];  // store #i is records[i % kStoreHistory]
  StoreRecord& Of(uint32_t i) { return records[i % kStoreHistory]; }
  const StoreRecord& Of(uint32_t i) const { return records[i % kStoreHistory]; }
};

// A race: `earlier` and `later` touch one Var, at least one writes, and `later`'s thread had seen
// `earlier`'s thread only up to `seen` (its clock of that thread) while `earlier` was at `epoch`.
struct DataRace {
  VarAccess earlier;
  VarAccess later;
  uint32_t epoch = 0;
  uint32_t seen = 0;
};

// A source file's path from the source tree's top ("maps/chained_table.h"), as readers know it.
std::string SourcePath(const char* file);

// "T1 write at step 14 (table.erase: unlink node, maps/chained_table.h:123) and T0 read at ..."
std::string DescribeRace(const DataRace& race);

class HappensBefore {
 public:
  static constexpr uint32_t kReadSet = ~uint32_t{0};

  HappensBefore() = default;
  HappensBefore(const HappensBefore&) = delete;  // points into its own buffer
  HappensBefore& operator=(const HappensBefore&) = delete;

  // A new trial of `threads` threads: every clock starts over (a new generation).
  void Begin(int threads, MemoryModel model);
  MemoryModel model() const { return model_; }

  // Lock hand-off: a lock acquires the clock its last unlock released.
  void Acquire(const SyncClock& c, int t);
  void Release(SyncClock& c, int t);      // c = the thread's clock (the holder saw all of c)
  void ReleaseJoin(SyncClock& c, int t);  // c |= the thread's clock (shared holders)

  // Atomics: `c` is the location's release-sequence clock. A failed CAS is a load with its
  // failure order.
  void AtomicLoad(const SyncClock& c, int t, std::memory_order order);
  void AtomicStore(SyncClock& c, int t, std::memory_order order);
  void AtomicRmw(SyncClock& c, int t, std::memory_order order);
  void Fence(int t, std::memory_order order, uint32_t step);

  // Weak atomics (kC11). `Fresh` starts the location's order in this trial with the value it had
  // before (store #0; true when it did: the caller records that value). `Readable` is how many
  // stores, newest first, a load of thread t may read: those after the newest store it must see
  // (one that happens-before it, one a thread read whose read happens-before it, and, after a
  // seq_cst fence of t, any store made before that fence). `ReadFrom` reads store #index with
  // `order` (joining its release clock); `Store` and `Rmw` append a store (an RMW reads the
  // latest). Each returns the store's place in the order.
  bool Fresh(StoreHistory& h) const;
  int Readable(const StoreHistory& h, int t) const;
  // Whether a load of t must see store `i` of `h` (not read older) by the order of the trial's
  // steps alone (happens-before, a seq_cst fence, a read that happens-before it), not because the
  // storing thread's operation returned before the load. The exhaustive search's reads-from
  // enumeration orders a load after the returns that decide its readable stores (scheduler.cc).
  bool MustSeeByOrder(const StoreHistory& h, uint32_t i, int t) const {
    return MustSeeOrdered(h.Of(i), t);
  }
  void ReadFrom(StoreHistory& h, uint32_t index, int t, std::memory_order order);
  uint32_t Store(StoreHistory& h, int t, std::memory_order order, uint32_t step);
  uint32_t Rmw(StoreHistory& h, int t, std::memory_order order, uint32_t step);
  // Thread t's operation of the scenario returned; its last step was `step`. From then on every
  // load sees the stores it made (the history checkers judge in real time: an operation that
  // returned before a read precedes it).
  void Returned(int t, uint32_t step) { returned_step_[t] = step + 1; }

  // Checks one access and records it; false when it races (race() then says with what). The race
  // is kept here rather than filled into a caller's DataRace: building one per access (every Var
  // access of a trial) cost 5% of a whole end-to-end trial.
  bool Read(VarShadow& v, const VarAccess& a);
  bool Write(VarShadow& v, const VarAccess& a);
  // Their common paths, inline: an access ordered after the Var's last write and last read, judged
  // and recorded in place (true), or left to Read / Write (false: nothing recorded; they judge it
  // from the start). A Var access of a controlled trial was three calls (Var::View,
  // Scheduler::VarAccessed, Read) and ~80 instructions, a quarter of a 2x256 trial (callgrind).
  // The false path does not use `a`, so an inlined caller need not build it in memory.
  bool TryRead(VarShadow& v, const VarAccess& a) {
    Fresh(v);
    const uint32_t* now = Clock(a.thread);
    const uint32_t mine = now[a.thread];
    if (v.read.clock == mine && v.read.thread == a.thread) return true;  // read in this epoch
    if (v.write.clock > now[v.write.thread] || !OrderedAfterRead(v, now)) [[unlikely]] {
      return false;
    }
    RecordRead(v, a, mine);
    return true;
  }
  bool TryWrite(VarShadow& v, const VarAccess& a) {
    Fresh(v);
    const uint32_t* now = Clock(a.thread);
    const uint32_t mine = now[a.thread];
    if (v.write.clock == mine && v.write.thread == a.thread && v.read.clock == 0) return true;
    if (v.write.clock > now[v.write.thread] || !OrderedAfterRead(v, now)) [[unlikely]] {
      return false;
    }
    RecordWrite(v, a, mine);
    return true;
  }
  // The race the last Read or Write that returned false found.
  const DataRace& race() const { return race_; }

  // The thread's own component of its clock (tests).
  uint32_t Now(int t) const { return thread_clocks_[Index(t, t)]; }
  // Whether thread u's clock covers thread t's current epoch (tests).
  bool Knows(int u, int t) const { return thread_clocks_[Index(u, t)] >= Now(t); }

 private:
  struct ReadEntry {
    uint32_t clock = 0;
    uint32_t step = 0;
    const char* label = nullptr;
    CodeSite where;
  };

  size_t Index(int t, int i) const { return static_cast<size_t>(t) * n_ + i; }
  uint32_t* Clock(int t) { return &thread_clocks_[Index(t, 0)]; }
  // The clock of `c` in this trial, or nullptr when it is empty.
  const uint32_t* Find(const SyncClock& c) const;
  uint32_t* Slot(SyncClock& c);  // allocates an empty clock when `c` has none in this trial
  void Join(uint32_t* into, const uint32_t* from) const;
  uint32_t NewSlot();  // an empty clock in the pool; pointers into the pool are invalidated
  uint32_t* SlotAt(uint32_t slot) { return &pool_[static_cast<size_t>(slot) * n_]; }
  const uint32_t* SlotAt(uint32_t slot) const { return &pool_[static_cast<size_t>(slot) * n_]; }
  bool MustSee(const StoreRecord& r, int t) const;  // a load of t may not read older than r
  bool MustSeeOrdered(const StoreRecord& r, int t) const;  // ... without the returned rule
  uint32_t Append(StoreHistory& h, int t, std::memory_order order, uint32_t step,
                  uint32_t continues);
  void Tick(int t) { ++thread_clocks_[Index(t, t)]; }
  // Starts `v`'s shadow in this trial on its first access (VarShadow: only gen is constructed).
  void Fresh(VarShadow& v) const {
    if (v.gen == gen_) return;
    v.gen = gen_;
    v.write.clock = 0;
    v.read.clock = 0;
    v.write.thread = 0;  // indexes a clock before the first write
    v.read.thread = 0;
  }
  // Whether a thread whose clock is `now` has seen `v`'s last read: none since the last write, or
  // one it knows of (a read set: assume not, and let Read / Write look).
  static bool OrderedAfterRead(const VarShadow& v, const uint32_t* now) {
    return v.read.clock == 0 || (v.read.clock != kReadSet && v.read.clock <= now[v.read.thread]);
  }
  static void RecordRead(VarShadow& v, const VarAccess& a, uint32_t mine) {
    v.read.Record(a, mine);
  }
  static void RecordWrite(VarShadow& v, const VarAccess& a, uint32_t mine) {
    v.write.Record(a, mine);
    v.read.clock = 0;  // every earlier read is ordered before this write, or raced with it
  }
  [[gnu::cold]] bool Race(const VarAccess& earlier, uint32_t epoch, const VarAccess& later);

  int n_ = 0;
  MemoryModel model_ = MemoryModel::kC11;
  uint32_t gen_ = 0;
  // The per-thread state below, in one buffer cleared by one fill at Begin (five vectors were five
  // fills, ~40% of Begin's instructions at two threads); the pointers are set by Begin.
  std::vector<uint32_t> clocks_;
  uint32_t* thread_clocks_ = nullptr;     // n x n
  uint32_t* release_fence_ = nullptr;     // n x n: each thread's clock at its last release fence
  uint32_t* acquire_fence_ = nullptr;     // n x n: what its relaxed loads read (for a fence)
  uint32_t* sc_fence_step_ = nullptr;     // per thread: the step of its last seq_cst fence
  uint32_t* returned_step_ = nullptr;     // per thread: its stores before it are of returned ops
  std::vector<uint32_t> pool_;            // sync clocks, n each; slot 0 is unused
  std::vector<ReadEntry> read_sets_;      // n entries each
  DataRace race_;                         // the last race found
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_HAPPENS_BEFORE_H_
