// The controlled scheduler (see scheduler.h). Fibers switch directly to one another; the main context
// is only resumed when the trial ends, so a scheduling point costs one strategy call and at most one
// context switch. When a trial ends early (deadlock, livelock, divergence, escaped exception) the
// suspended threads are resumed one by one and unwound with a private exception, so destructors run
// and every switch, including the last, goes through the annotated path below.
#include "harness/engine/scheduler.h"

#include <algorithm>
#include <bit>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "harness/engine/fiber_entry.h"
#include "harness/engine/fiber_resume.h"

namespace mapfault {
namespace {

// Thrown into a suspended logical thread to unwind it when the trial is over.
struct TrialOver {};

// During unwinding, atomic operations are tolerated this many times before the thread is unwound
// from one: destructors may do a few (reference counts), a spin-wait does many.
constexpr int kUnwindAtomicAllowance = 10000;

}  // namespace

constinit thread_local Scheduler* Scheduler::current_scheduler_ = nullptr;
constinit thread_local Scheduler* Scheduler::var_observer_ = nullptr;

struct Scheduler::Spares {
  std::unique_ptr<Buffers> buffers;
  std::vector<uint8_t> choices;  // RecycleChoices's, for the next Run's result
};

Scheduler::Spares& Scheduler::ThreadSpares() {
  thread_local Spares spares;
  return spares;
}

void Scheduler::RecycleChoices(std::vector<uint8_t>&& choices) {
  std::vector<uint8_t>& spare = ThreadSpares().choices;
  if (choices.capacity() > spare.capacity()) spare = std::move(choices);
}

Scheduler::Scheduler(Strategy& strategy, Options options)
    : strategy_(strategy), options_(options), buffers_(std::move(ThreadSpares().buffers)) {
  if (buffers_ == nullptr) buffers_ = std::make_unique<Buffers>();
}

Scheduler::~Scheduler() {
  // No suspended fiber outlives its scheduler (Run clears them; an error may not).
  buffers_->contexts.clear();
  std::unique_ptr<Buffers>& spare = ThreadSpares().buffers;
  if (spare == nullptr) spare = std::move(buffers_);
}

// The fiber's entry and final switch are CreateFiber's (fiber_entry.cc, uninstrumented under TSan);
// this body runs between them, on the fiber's own stack, and returns where the fiber goes next.
// Captureless, so it converts to the plain function CreateFiber takes (and may use the private
// members, being defined in a member function).
boost::context::fiber Scheduler::MakeFiber(int index) {
  boost::context::stack_context stack;
  constexpr FiberBody kBody = [](void* owner, int thread, boost::context::fiber&& caller) {
    Scheduler& s = *static_cast<Scheduler*>(owner);
    AfterFiberSwitch(s.contexts_[thread].sanitizer, s.contexts_[s.from_].sanitizer);
    s.contexts_[s.from_].cont = std::move(caller);
    if (!s.ending_) {
      try {
        s.bodies_[thread]();
      } catch (const TrialOver&) {
        // unwound because the trial ended while this thread was suspended
      } catch (const std::exception& e) {
        s.EndTrial(RunResult::Kind::kException,
                   absl::StrCat("T", thread, " let an exception escape: ", e.what()));
      } catch (...) {
        s.EndTrial(RunResult::Kind::kException,
                   absl::StrCat("T", thread, " let a non-standard exception escape"));
      }
    }
    s.slots_[thread].state = State::kFinished;
    s.runnable_ &= ~(ThreadMask{1} << thread);
    if (s.footprint_ != nullptr && !s.ending_) s.strategy_.StepEnded(thread, false);
    if (s.options_.trace != nullptr && !s.ending_) {
      s.options_.trace->Append({static_cast<uint32_t>(s.result_.steps),
                                static_cast<uint8_t>(thread), TraceKind::kFinished, 0, 0,
                                "thread finished", 0, 0});
    }
    // For a finished thread Reschedule only picks the next context; CreateFiber's entry switches.
    s.Reschedule(false);
    return FiberExit{&s.contexts_[thread].sanitizer, &s.contexts_[s.current_].sanitizer,
                     &s.contexts_[s.current_].cont};
  };
  boost::context::fiber fiber = CreateFiber(&stack, kBody, this, index);
  InitFiber(contexts_[index].sanitizer, static_cast<char*>(stack.sp) - stack.size, stack.size);
  return fiber;
}

RunResult Scheduler::Run(std::vector<std::function<void()>> bodies) {
  threads_ = static_cast<int>(bodies.size());
  bodies_ = std::move(bodies);
  buffers_->threads.assign(threads_, ThreadSlot{});
  slots_ = buffers_->threads.data();
  runnable_ = threads_ >= 64 ? ~ThreadMask{0} : (ThreadMask{1} << threads_) - 1;
  result_ = RunResult{};
  result_.choices = std::move(ThreadSpares().choices);
  result_.choices.resize(std::max<uint64_t>(options_.expected_steps * 2, 64));
  choice_next_ = result_.choices.data();
  choice_end_ = choice_next_ + result_.choices.size();
  ending_ = false;
  hb().Begin(threads_, options_.memory_model);
  buffers_->contexts.clear();
  buffers_->contexts.resize(threads_ + 1);  // the last: main
  contexts_ = buffers_->contexts.data();
  InitMainFiber(contexts_[threads_].sanitizer);
  for (int i = 0; i < threads_; ++i) contexts_[i].cont = MakeFiber(i);
  footprint_ = strategy_.StepFootprint();
  if (footprint_ != nullptr) footprint_->BeginExecution();
  strategy_.Begin(threads_, options_.expected_steps);
  point_limit_ = options_.trace != nullptr || footprint_ != nullptr ? 0 : options_.max_steps;

  Scheduler* outer = std::exchange(current_scheduler_, this);
  Scheduler* outer_observer = std::exchange(
      var_observer_, options_.race_detection || footprint_ != nullptr ? this : nullptr);
  current_ = threads_;
  if (threads_ > 0) Reschedule(false);  // returns when control comes back to main
  // Back in main: every thread finished or the trial ended. Unwind the threads still suspended (or
  // never started): each runs until it finishes and switches back here.
  ending_ = true;
  point_limit_ = 0;
  unwinding_ = true;
  for (int i = 0; i < threads_; ++i) {
    unwind_atomics_ = 0;
    if (slots_[i].state != State::kFinished && contexts_[i].cont) SwitchTo(i, /*me_running=*/false);
  }
  unwinding_ = false;
  for (Context& c : buffers_->contexts) DestroyFiber(c.sanitizer);
  current_scheduler_ = outer;
  var_observer_ = outer_observer;
  current_ = -1;
  result_.choices.resize(static_cast<size_t>(choice_next_ - result_.choices.data()));
  choice_next_ = choice_end_ = nullptr;
  buffers_->contexts.clear();
  contexts_ = nullptr;
  bodies_.clear();
  return std::move(result_);
}

void Scheduler::GrowChoices() {
  const size_t used = static_cast<size_t>(choice_next_ - result_.choices.data());
  result_.choices.resize(std::max<size_t>(64, 2 * result_.choices.size()));
  choice_next_ = result_.choices.data() + used;
  choice_end_ = result_.choices.data() + result_.choices.size();
}

void Scheduler::EndTrial(RunResult::Kind kind, std::string detail) {
  if (ending_) return;
  ending_ = true;
  point_limit_ = 0;
  result_.kind = kind;
  result_.detail = std::move(detail);
}

// Picks the next thread and switches to it. `current_can_continue` says whether the running thread
// is still runnable (a preemption is counted when another is picked); it is true only from Point,
// which returned before this when the trial was ending, so the fast path skips that test and
// SwitchTo's test for a finished thread (both folded away: this is inlined with a constant). When
// the trial is over (all finished, deadlock, livelock, divergence) control goes to the main
// context.
void Scheduler::Reschedule(bool current_can_continue) {
  const int me = current_;
  int next;
  if (!current_can_continue && ending_) [[unlikely]] {
    next = threads_;
  } else if (!current_can_continue && runnable_ == 0) [[unlikely]] {
    // (A running thread that can continue is itself runnable.)
    NoThreadRunnable();
    next = threads_;
  } else if ((runnable_ & (runnable_ - 1)) == 0) {
    next = std::countr_zero(runnable_);
  } else {
    next = strategy_.Choose(runnable_, me, result_.steps);
    if (next < 0) [[unlikely]] {
      // The trial diverged: to main, unless this is main's own first pick.
      const int to = StrategyFailed();
      if (to != me) SwitchTo(to, /*me_running=*/current_can_continue);
      return;
    }
    AppendChoice(static_cast<uint8_t>(next));
  }
  if (next == me) return;
  // Every pick but main is a thread; so, from a point, a preemption.
  if (current_can_continue) {
    ++result_.preemptions;
    if (options_.trace != nullptr) [[unlikely]]
      TracePreempted();
  }
  SwitchTo(next, /*me_running=*/current_can_continue);
}

void Scheduler::TracePoint(uint64_t step, TraceKind kind, const char* label) {
  options_.trace->Append(
      {static_cast<uint32_t>(step), static_cast<uint8_t>(current_), kind, 0, 0, label, 0, 0});
}

int Scheduler::StrategyFailed() {
  EndTrial(RunResult::Kind::kDivergence, strategy_.Error());
  return threads_;
}

// Marks the last trace record as the step that preempted its thread.
void Scheduler::TracePreempted() {
  TraceBuffer* trace = options_.trace;
  if (*trace->count > 0 && *trace->count <= trace->capacity) {
    trace->events[*trace->count - 1].preempted = 1;
  }
}

// No thread can run: a deadlock if any is blocked (else every thread finished).
void Scheduler::NoThreadRunnable() {
  std::string who;
  for (int i = 0; i < threads_; ++i) {
    if (slots_[i].state == State::kBlocked) absl::StrAppend(&who, who.empty() ? "" : ", ", "T", i);
  }
  if (who.empty()) return;
  EndTrial(RunResult::Kind::kDeadlock,
           absl::StrCat("deadlock at step ", result_.steps, ": no thread can run; ", who,
                        " blocked on locks that are never released"));
}

void Scheduler::SwitchTo(int next, bool me_running) {
  const int me = current_;
  from_ = me;
  current_ = next;
  if (options_.trace != nullptr && next != threads_ && !ending_) [[unlikely]] {
    options_.trace->Append({static_cast<uint32_t>(result_.steps), static_cast<uint8_t>(next),
                            TraceKind::kSwitch, 0, 0, "switch", 0, 0});
  }
  // A finished thread switches by returning from its entry function.
  if (!me_running && me != threads_ && slots_[me].state == State::kFinished) return;
  BeforeFiberSwitch(contexts_[me].sanitizer, contexts_[next].sanitizer, /*from_is_dying=*/false);
  boost::context::fiber back = ResumeFiber(contexts_[next].cont);
  AfterFiberSwitch(contexts_[me].sanitizer, contexts_[from_].sanitizer);
  contexts_[from_].cont = std::move(back);
}

// A thread resumed after its trial ended is unwound (TrialOver) from its next scheduling point,
// except from an unlock, which runs in destructors where throwing would terminate the process.
void Scheduler::UnwindAt(TraceKind kind) {
  if (!unwinding_ || current_ >= threads_ || kind == TraceKind::kUnlock) return;
  if (kind == TraceKind::kAtomic && ++unwind_atomics_ < kUnwindAtomicAllowance) return;
  throw TrialOver{};
}

// Aligned to a cache line: the switch benchmark moved by 0.5-0.9 ns (5%) with where the linker
// happened to place this function (16- or 48-byte offsets were slower than a 64-byte boundary).
// The fast path tests one bound: point_limit_ is 0 whenever any of the rare cases holds (the trial
// is ending, a trace is kept, the strategy records footprints), so each of them costs a point
// nothing until it applies; PointSlow handles them all, the step bound included.
[[gnu::aligned(64)]] void Scheduler::Point(TraceKind kind, const char* label) {
  const uint64_t step = result_.steps + 1;
  if (step > point_limit_) [[unlikely]] {
    PointSlow(kind, label);
    return;
  }
  result_.steps = step;
  ThreadSlot& slot = slots_[current_];
  slot.last_label = label;
  slot.last_step = static_cast<uint32_t>(step);
  Reschedule(true);
  if (ending_) [[unlikely]] UnwindAt(kind);
}

void Scheduler::PointSlow(TraceKind kind, const char* label) {
  if (ending_) {
    UnwindAt(kind);
    return;
  }
  const uint64_t step = ++result_.steps;
  ThreadSlot& slot = slots_[current_];
  slot.last_label = label;
  slot.last_step = static_cast<uint32_t>(step);
  if (options_.trace != nullptr) TracePoint(step, kind, label);
  if (step > options_.max_steps) {
    StepBoundReached(kind, label);
    return;
  }
  if (footprint_ != nullptr) strategy_.StepEnded(current_, true);
  Reschedule(true);
  if (ending_) UnwindAt(kind);
}

void Scheduler::StepBoundReached(TraceKind kind, const char* label) {
  EndTrial(RunResult::Kind::kLivelock,
           absl::StrCat("livelock: the trial exceeded the step bound of ", options_.max_steps,
                        " scheduling points (last point: ", label, " in T", current_, ")"));
  Reschedule(false);
  UnwindAt(kind);
}

// An access TryRead / TryWrite left undecided: the whole judgement (a race ends the trial).
void Scheduler::VarAccessed(VarShadow& v, bool write, CodeSite where) {
  const VarAccess a = AccessHere(write, where);
  if (write ? hb().Write(v, a) : hb().Read(v, a)) [[likely]] return;
  RaceFound(hb().race());
}

// Ends the trial at the race, marks both accesses in the trace, and unwinds the racing thread
// (a racy read's value, e.g. a freed node's poisoned pointer, is never used).
void Scheduler::RaceFound(const DataRace& race) {
  if (TraceBuffer* trace = options_.trace) {
    for (const VarAccess* a : {&race.later, &race.earlier}) {
      trace->Append({a->step, static_cast<uint8_t>(a->thread), TraceKind::kRace,
                     static_cast<uint8_t>(a == &race.earlier), 0, a->where.file,
                     static_cast<int64_t>(a->where.line), a->write ? 1 : 0});
    }
  }
  EndTrial(RunResult::Kind::kDataRace, DescribeRace(race));
  result_.race = race;
  if (!unwinding_ && std::uncaught_exceptions() == 0) throw TrialOver{};
}

uint32_t Scheduler::WeakLoad(StoreHistory& h, std::memory_order o) {
  const uint32_t latest = h.count - 1;
  int back = 0;
  if (o != std::memory_order_seq_cst) {
    const int readable = hb().Readable(h, current_);
    if (WeakReads()) [[unlikely]] {
      // Which stores are readable depends on whether their threads' operations returned before
      // this load (HappensBefore::MustSee): the load does not commute with the returns of the
      // threads whose examined stores it need not see by the order of steps alone.
      for (int i = 0; i < readable; ++i) {
        const uint32_t index = latest - static_cast<uint32_t>(i);
        if (hb().MustSeeByOrder(h, index, current_)) continue;
        footprint_->TouchReserved(Footprint::kReturned + h.Of(index).thread, false);
      }
    }
    if (readable > 1) back = ChooseStore(readable);
  }
  const uint32_t index = latest - static_cast<uint32_t>(back);
  hb().ReadFrom(h, index, current_, o);
  if (back > 0) {
    ++result_.stale_reads;
    if (options_.trace != nullptr) {
      options_.trace->Append({slots_[current_].last_step, static_cast<uint8_t>(current_),
                              TraceKind::kStaleRead, 0, 0, "stale read", index, back});
    }
  }
  return index;
}

// Which of `readable` stores (0: the latest) a weak load reads: the strategy's choice, recorded.
int Scheduler::ChooseStore(int readable) {
  const int back = strategy_.ChooseStore(readable, result_.steps);
  if (back < 0 || back >= readable) [[unlikely]] {
    std::string why = strategy_.Error();
    if (why.empty()) {
      why = absl::StrCat("the strategy chose store ", back, " of ", readable, " at step ",
                         result_.steps);
    }
    EndTrial(RunResult::Kind::kDivergence, std::move(why));
    return 0;
  }
  AppendChoice(static_cast<uint8_t>(back));
  return back;
}

bool Scheduler::Block(const void* object, const char* label) {
  if (ending_) {
    UnwindAt(TraceKind::kBlocked);
    return false;
  }
  const int me = current_;
  slots_[me].state = State::kBlocked;
  slots_[me].blocked_on = object;
  runnable_ &= ~(ThreadMask{1} << me);
  if (options_.trace != nullptr) {
    options_.trace->Append({static_cast<uint32_t>(result_.steps), static_cast<uint8_t>(me),
                            TraceKind::kBlocked, 0, 0, label, 0, 0});
  }
  if (footprint_ != nullptr) [[unlikely]] strategy_.StepEnded(me, false);
  Reschedule(false);
  if (ending_) UnwindAt(TraceKind::kBlocked);
  return !ending_;
}

void Scheduler::WakeAll(const void* object) {
  for (int i = 0; i < threads_; ++i) {
    ThreadSlot& slot = slots_[i];
    if (slot.state == State::kBlocked && slot.blocked_on == object) {
      slot.state = State::kRunnable;
      slot.blocked_on = nullptr;
      runnable_ |= ThreadMask{1} << i;
    }
  }
}

void Scheduler::AppendTraceOp(TraceKind kind, uint8_t op, int64_t a, int64_t b,
                              const char* label) {
  if (ending_) return;
  options_.trace->Append({static_cast<uint32_t>(result_.steps), static_cast<uint8_t>(current_), kind,
                          op, 0, label, 0 + a, b});
}

}  // namespace mapfault
