// The controlled scheduler: runs a trial's logical threads as fibers on one OS thread, one at a time.
// Every operation on a ControlledSync primitive and every explicit yield is a scheduling point where
// the strategy picks the next thread. Deadlock (nothing runnable, something blocked), livelock (step
// bound exceeded) and replay divergence end the trial and are reported in the RunResult.
#ifndef MAPFAULT_HARNESS_ENGINE_SCHEDULER_H_
#define MAPFAULT_HARNESS_ENGINE_SCHEDULER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/context/fiber.hpp>

#include "harness/base/trace.h"
#include "harness/engine/fiber_sanitizer.h"
#include "harness/engine/happens_before.h"
#include "harness/engine/strategy.h"

namespace mapfault {

struct RunResult {
  enum class Kind : uint8_t {
    kCompleted, kDeadlock, kLivelock, kDivergence, kException, kDataRace
  };
  Kind kind = Kind::kCompleted;
  std::string detail;            // human-readable reason for anything but kCompleted
  uint64_t steps = 0;            // scheduling points executed
  int preemptions = 0;           // switches away from a thread that could have continued
  std::vector<uint8_t> choices;  // one entry per step where more than one thread was runnable
  std::optional<DataRace> race;  // with kDataRace: the two accesses
  uint32_t stale_reads = 0;      // weak atomic loads that read an older store than the latest
};

class Scheduler {
 public:
  struct Options {
    uint64_t max_steps = 20000;     // livelock bound
    uint64_t expected_steps = 64;   // hint for PCT
    TraceBuffer* trace = nullptr;   // optional full interleaving trace
    bool race_detection = true;     // check Var accesses against happens-before
    MemoryModel memory_model = MemoryModel::kC11;  // which atomics synchronise
  };

  Scheduler(Strategy& strategy, Options options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs each body as a logical thread until all finish or the trial ends abnormally. The bodies
  // must not let exceptions escape (an escaped exception ends the trial as kException).
  RunResult Run(std::vector<std::function<void()>> bodies);
  // Gives a finished run's choices buffer back for this OS thread's next Run (its capacity is
  // kept; the contents are not read).
  static void RecycleChoices(std::vector<uint8_t>&& choices);

  // The scheduler of the trial running on this OS thread, or nullptr outside a controlled trial.
  static Scheduler* Current() { return current_scheduler_; }
  // The running scheduler when it observes ControlledSync::Var accesses (race detection on, or a
  // strategy that records step footprints); else nullptr, and a Var access costs no call.
  static Scheduler* VarObserver() { return var_observer_; }

  // A scheduling point of kind `kind` (for the trace) labelled `label` (a string literal).
  void Point(TraceKind kind, const char* label);
  // Parks the running thread until WakeAll(object); then it re-checks its condition. Returns false
  // (without parking) once the trial is ending, so waits in destructors during unwinding terminate.
  bool Block(const void* object, const char* label);
  void WakeAll(const void* object);
  // Records a history event in the trace (no scheduling).
  void TraceOp(TraceKind kind, uint8_t op, int64_t a, int64_t b, const char* label) {
    if (options_.trace != nullptr) [[unlikely]]
      AppendTraceOp(kind, op, a, b, label);
  }

  int current_thread() const { return current_; }

  // Happens-before hooks of ControlledSync's primitives (no-ops once the trial is ending).
  void Acquire(const SyncClock& c) {
    if (!ending_) hb().Acquire(c, current_);
  }
  void Release(SyncClock& c) {
    if (!ending_) hb().Release(c, current_);
  }
  void ReleaseJoin(SyncClock& c) {
    if (!ending_) hb().ReleaseJoin(c, current_);
  }
  void AtomicLoad(const SyncClock& c, std::memory_order o) {
    if (!ending_) hb().AtomicLoad(c, current_, o);
  }
  void AtomicStore(SyncClock& c, std::memory_order o) {
    if (!ending_) hb().AtomicStore(c, current_, o);
  }
  void AtomicRmw(SyncClock& c, std::memory_order o) {
    if (!ending_) hb().AtomicRmw(c, current_, o);
  }
  void Fence(std::memory_order o) {
    if (!ending_) hb().Fence(current_, o, slots_[current_].last_step);
  }
  // Weak atomics (MemoryModel::kC11, while the trial runs): each atomic keeps its modification
  // order (StoreHistory) and a load reads one of the stores coherence allows, as the strategy
  // chooses (a recorded choice, like a thread choice). Each returns the store's place in the
  // order. A seq_cst load, an RMW and a failed CAS read the latest store.
  bool WeakMemory() const { return options_.memory_model == MemoryModel::kC11 && !ending_; }
  bool FreshHistory(StoreHistory& h) const { return hb().Fresh(h); }
  uint32_t WeakLoad(StoreHistory& h, std::memory_order o);
  uint32_t WeakLoadLatest(StoreHistory& h, std::memory_order o) {
    hb().ReadFrom(h, h.count - 1, current_, o);
    return h.count - 1;
  }
  uint32_t WeakStore(StoreHistory& h, std::memory_order o) {
    WeakReadsDependOnStore();
    return hb().Store(h, current_, o, slots_[current_].last_step);
  }
  uint32_t WeakRmw(StoreHistory& h, std::memory_order o) {
    WeakReadsDependOnStore();
    return hb().Rmw(h, current_, o, slots_[current_].last_step);
  }
  // The running thread's scenario operation returned (or an iteration's erase-this reported its
  // outcome, which the history dates there): its stores are seen by every later load.
  void OperationReturned() {
    if (WeakReads()) [[unlikely]] {
      footprint_->TouchReserved(Footprint::kReturned + static_cast<uint32_t>(current_), true);
    }
    if (!ending_) hb().Returned(current_, slots_[current_].last_step);
  }
  // A ControlledSync::Var's read (write) under this scheduler (VarObserver): the race check and
  // the footprint. Out of line, so that a Var access inlines to the test for an observer.
  [[gnu::noinline]] void VarViewed(VarShadow& v, ObjectId& id, CodeSite where) {
    VarRead(v, where);
    Touch(id, false);
  }
  [[gnu::noinline]] void VarMutated(VarShadow& v, ObjectId& id, CodeSite where) {
    VarWrite(v, where);
    Touch(id, true);
  }
  // A Var access: checked against happens-before; a race ends the trial (kDataRace) and unwinds
  // the accessing thread at once, before the racy value is used.
  // Inline down to HappensBefore's common path (TryRead / TryWrite); the rest, out of line
  // (VarAccessed). One call level per access was ~25 instructions of an access's ~80 (callgrind
  // of an end-to-end 2x256 trial).
  void VarRead(VarShadow& v, CodeSite where) {
    if (!options_.race_detection || ending_) return;
    if (!hb().TryRead(v, AccessHere(false, where))) [[unlikely]]
      VarAccessed(v, false, where);
  }
  void VarWrite(VarShadow& v, CodeSite where) {
    if (!options_.race_detection || ending_) return;
    if (!hb().TryWrite(v, AccessHere(true, where))) [[unlikely]]
      VarAccessed(v, true, where);
  }
  // Partial-order reduction: the running step touched `object` (footprint.h). One predictable
  // branch unless the strategy records footprints (only the exhaustive search's sleep sets do).
  void Touch(ObjectId& object, bool write) {
    if (footprint_ != nullptr) [[unlikely]] footprint_->Touch(object, write);
  }
  void TouchReserved(uint32_t id, bool write) {
    if (footprint_ != nullptr) [[unlikely]] footprint_->TouchReserved(id, write);
  }
  // The running step took a history stamp of kind `kind` (footprint.h).
  void Stamp(StampKind kind) {
    if (footprint_ != nullptr) [[unlikely]] footprint_->Stamp(kind);
  }

 private:
  // Whether the strategy enumerates weak loads' stores (Footprint::weak_reads): the footprint then
  // records what decides which stores a load may read.
  bool WeakReads() const { return footprint_ != nullptr && footprint_->weak_reads(); }
  // Under it a store and a seq_cst fence of another thread no longer commute, since a load after
  // the fence must see the stores before it (HappensBefore::MustSee) and so may read fewer stores
  // when the fence comes second.
  void WeakReadsDependOnStore() {
    if (WeakReads()) [[unlikely]] {
      footprint_->TouchReserved(Footprint::kScFence, false);
    }
  }
  enum class State : uint8_t { kRunnable, kBlocked, kFinished };

  // Inlined into the scheduling points: each call level is a return the CPU mispredicts after a
  // fiber switch (its return-stack buffer holds the other fiber's calls).
  [[gnu::always_inline]] inline void Reschedule(bool current_can_continue);
  // Cold paths, out of line so the scheduling point's fast path keeps a small frame.
  // Point's rare cases (point_limit_): an ending trial, a trace, footprints, the step bound.
  [[gnu::noinline]] void PointSlow(TraceKind kind, const char* label);
  [[gnu::noinline, gnu::cold]] void NoThreadRunnable();
  [[gnu::noinline, gnu::cold]] void StepBoundReached(TraceKind kind, const char* label);
  // The strategy chose no thread: the trial diverged; returns the main context's index.
  [[gnu::noinline, gnu::cold]] int StrategyFailed();
  // A scheduling point's trace records (a trace is kept by replays and probes only).
  [[gnu::noinline]] void TracePoint(uint64_t step, TraceKind kind, const char* label);
  [[gnu::noinline]] void TracePreempted();
  [[gnu::noinline]] void AppendTraceOp(TraceKind kind, uint8_t op, int64_t a, int64_t b,
                                       const char* label);
  // `me_running`: the switching thread is running (from a scheduling point), so not finished.
  [[gnu::always_inline]] inline void SwitchTo(int next, bool me_running);
  void UnwindAt(TraceKind kind);
  // An access of the running thread at `where`, named by its last scheduling point.
  VarAccess AccessHere(bool write, CodeSite where) const {
    return {slots_[current_].last_step, current_, write, slots_[current_].last_label, where};
  }
  [[gnu::noinline]] void VarAccessed(VarShadow& v, bool write, CodeSite where);
  [[gnu::noinline, gnu::cold]] void RaceFound(const DataRace& race);
  int ChooseStore(int readable);
  // Records a choice in result_.choices through a cursor into its storage (sized at Run's start,
  // trimmed at its end), so the scheduling point's append has no inlined growth path: push_back's
  // reallocation kept two more callee-saved registers live in every point.
  [[gnu::always_inline]] void AppendChoice(uint8_t choice) {
    if (choice_next_ == choice_end_) [[unlikely]]
      GrowChoices();
    *choice_next_++ = choice;
  }
  [[gnu::noinline, gnu::cold]] void GrowChoices();
  void EndTrial(RunResult::Kind kind, std::string detail);
  boost::context::fiber MakeFiber(int index);
  // Per logical thread.
  struct ThreadSlot {
    const char* last_label = nullptr;  // its last scheduling point's label
    uint32_t last_step = 0;            // ... and its step
    State state = State::kRunnable;
    const void* blocked_on = nullptr;  // what it waits for when kBlocked
  };
  // Per context: the logical threads, then main (index threads_).
  struct Context {
    boost::context::fiber cont;  // the suspended context
    FiberSanitizerState sanitizer;
  };
  // What a run fills in, kept for the OS thread's next scheduler: a scheduler borrows the thread's
  // spare Buffers while it lives (one pointer each way; swapping a dozen vectors in and out was ~2%
  // of a small trial, and allocating them a tenth of its allocations). A nested scheduler (a
  // test's) finds the spare taken and allocates its own.
  struct Buffers {
    HappensBefore hb;
    std::vector<ThreadSlot> threads;
    std::vector<Context> contexts;
  };
  struct Spares;
  static Spares& ThreadSpares();
  // The happens-before state (the first member of Buffers: one load, as a cached pointer was).
  HappensBefore& hb() const { return buffers_->hb; }

  Strategy& strategy_;
  Options options_;
  int threads_ = 0;
  int current_ = -1;        // running logical thread; threads_ means the main (scheduler) context
  bool ending_ = false;     // trial over: scheduling points are no-ops
  // Point's fast path runs while steps stay within it: options_.max_steps, or 0 while the trial is
  // ending, a trace is kept or the strategy records footprints (PointSlow handles those).
  uint64_t point_limit_ = 0;
  bool unwinding_ = false;  // main is resuming suspended threads to unwind their stacks
  int unwind_atomics_ = 0;
  // Who performed the last switch (so the target can store its continuation). Not beside current_:
  // GCC stored the adjacent pair through an SSE register at every switch (four instructions).
  int from_ = -1;
  ThreadMask runnable_ = 0;
  std::unique_ptr<Buffers> buffers_;
  ThreadSlot* slots_ = nullptr;  // buffers_->threads during Run
  Context* contexts_ = nullptr;  // buffers_->contexts during Run
  std::vector<std::function<void()>> bodies_;
  RunResult result_;
  uint8_t* choice_next_ = nullptr;  // AppendChoice's cursor into result_.choices
  uint8_t* choice_end_ = nullptr;
  Footprint* footprint_ = nullptr;  // the strategy's, when it records step footprints

  static constinit thread_local Scheduler* current_scheduler_;
  static constinit thread_local Scheduler* var_observer_;  // VarObserver
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_SCHEDULER_H_
