// Trial execution in both modes: controlled (fibers under the scheduler) and perturbed (real
// threads with a noise plan).
#include "harness/run/trial.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "harness/base/rng.h"
#include "harness/engine/preempt.h"
#include "harness/engine/trial_threads.h"
#include "harness/run/exhaustive_search.h"
#include "harness/run/reference_loop.h"
#include "harness/run/worker_limits.h"
#include "harness/strategies/noise.h"

#if defined(MAPFAULT_TSAN)
// In the TSan runtime, not declared by GCC 12's <sanitizer/tsan_interface.h>.
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
#endif

namespace mapfault {
namespace {

// By OpKind (a table, not a switch: the switch's jump table was an indirect branch at every
// operation, mispredicted when the kinds mix).
constexpr const char* kOpLabels[] = {"op: insert", "op: assign", "op: erase",   "op: find",
                                     "op: size",   "op: clear",  "op: for_each"};
static_assert(std::size(kOpLabels) == static_cast<size_t>(OpKind::kForEach) + 1);

const char* OpLabel(OpKind kind) { return kOpLabels[static_cast<size_t>(kind)]; }

// The kinds of an operation's invoke and response stamps (engine/footprint.h): a size() or a
// for_each spans a window; a visitor write is nested in the visit that made it.
std::pair<StampKind, StampKind> OpStampKinds(OpKind kind, bool nested) {
  if (nested) return {StampKind::kNestedInvoke, StampKind::kNestedResponse};
  if (kind == OpKind::kSize) return {StampKind::kWindowInvoke, StampKind::kSizeResponse};
  if (kind == OpKind::kForEach) return {StampKind::kWindowInvoke, StampKind::kIterationResponse};
  return {StampKind::kInvoke, StampKind::kResponse};
}

// Executes operations against `map`, recording them in the history on one clock shared by all
// threads (an atomic counter: in perturbed mode its order is consistent with real time, so an
// operation that returned before another was invoked has a smaller stamp). Scheduling points (in
// controlled mode) or perturbation points (in perturbed mode) sit at every operation boundary.
class OpRunner {
 public:
  OpRunner(AnyMap& map, std::atomic<uint64_t>& clock, TraceBuffer* perturbed_trace,
           const BackendInfo& backend)
      : map_(map), clock_(clock), perturbed_trace_(perturbed_trace), backend_(backend) {}

  void Run(const OpSpec& spec, int thread, int index, OpRecord& rec) {
    Scheduler* s = Scheduler::Current();
    if (s != nullptr) {
      s->Point(TraceKind::kYield, OpLabel(spec.kind));
    } else {
      PerturbationPoint(OpLabel(spec.kind));
    }
    if (spec.kind == OpKind::kForEach && spec.visit.mode == VisitPlan::Mode::kEraseValueBelow) {
      rec.erase_if_value_below = spec.visit.param;
    }
    Execute(spec, thread, index, rec);
  }

  // A stamp of kind `kind` (partial-order reduction: the step that takes it stays ordered with the
  // steps of other threads whose stamps the checkers compare with it, footprint.h's kStampKinds).
  uint64_t Tick(StampKind kind) {
    if (Scheduler* s = Scheduler::Current()) s->Stamp(kind);
    return clock_.fetch_add(1, std::memory_order_acq_rel) + 1;
  }

 private:
  class Iteration;

  // Records and runs one operation, from its invoke stamp to its response stamp (a visitor
  // write's record names its visit before it runs).
  void Execute(const OpSpec& spec, int thread, int index, OpRecord& rec) {
    const auto [invoke_kind, response_kind] = OpStampKinds(spec.kind, /*nested=*/rec.visit >= 0);
    Scheduler* s = Scheduler::Current();
    rec.kind = spec.kind;
    rec.key = spec.key;
    rec.value = spec.value;
    rec.thread = thread;
    rec.index = index;
    rec.invoke = Tick(invoke_kind);
    Trace(s, rec.invoke, thread, TraceKind::kOpInvoke, static_cast<uint8_t>(spec.kind), index, 0,
          OpLabel(spec.kind));
    int64_t result = 0;
    switch (spec.kind) {
      case OpKind::kInsert: rec.ok = map_.Insert(spec.key, spec.value); result = rec.ok; break;
      case OpKind::kAssign: map_.Assign(spec.key, spec.value); break;
      case OpKind::kErase: rec.ok = map_.Erase(spec.key); result = rec.ok; break;
      case OpKind::kFind:
        rec.found = map_.Find(spec.key);
        result = rec.found ? *rec.found : -1;
        break;
      case OpKind::kSize: rec.size = map_.Size(); result = static_cast<int64_t>(rec.size); break;
      case OpKind::kClear: map_.Clear(); break;
      case OpKind::kForEach: result = RunForEach(spec, thread, rec); break;
    }
    rec.response = Tick(response_kind);
    if (s != nullptr) s->OperationReturned();
    Trace(s, rec.response, thread, TraceKind::kOpResponse, static_cast<uint8_t>(spec.kind),
          spec.key, result, OpLabel(spec.kind));
  }

  int64_t RunForEach(const OpSpec& spec, int thread, OpRecord& rec);

  // Controlled mode records in the scheduler's trace (stamped with the step); perturbed mode in the
  // shared trace, stamped with the history clock.
  void Trace(Scheduler* s, uint64_t stamp, int thread, TraceKind kind, uint8_t op, int64_t a,
             int64_t b, const char* label) {
    if (s != nullptr) {
      s->TraceOp(kind, op, a, b, label);
    } else if (perturbed_trace_ != nullptr && thread >= 0) {
      perturbed_trace_->Append({static_cast<uint32_t>(stamp), static_cast<uint8_t>(thread), kind,
                                op, 0, label, a, b});
    }
  }

  AnyMap& map_;
  std::atomic<uint64_t>& clock_;
  TraceBuffer* perturbed_trace_;
  const BackendInfo& backend_;
};

// One for_each in progress: the visitor the backend calls, and the harness's side of the backend's
// optional reports (read points, erase-this outcomes), each stamped on the history clock.
class OpRunner::Iteration final : public VisitSink {
 public:
  Iteration(OpRunner& runner, const OpSpec& spec, int thread, OpRecord& rec)
      : runner_(runner), spec_(spec), thread_(thread), rec_(rec), last_tick_(rec.invoke) {}

  VisitAction Visit(Key k, Value v) {
    const VisitAction action = spec_.visit.Decide(k, v, shown_);
    if (action == VisitAction::kStop) {
      rec_.stopped = true;
      return action;
    }
    ++shown_;
    const uint64_t at =
        Tick(action == VisitAction::kEraseThis ? StampKind::kEraseVisit : StampKind::kVisit);
    // Written in place: a record assembled on the stack and copied in was reloaded with 16-byte
    // loads over its narrower stores (a store-forwarding stall at every visit).
    YieldRecord& y = rec_.yields.emplace_back();
    y.key = k;
    y.value = v;
    y.at = at;
    y.action = action;
    if (read_to_ != 0) y.read_from = read_from_, y.read_to = read_to_;
    read_to_ = 0;
    Scheduler* s = Scheduler::Current();
    runner_.Trace(s, at, thread_, TraceKind::kIterYield, static_cast<uint8_t>(action), k, v,
                  action == VisitAction::kEraseThis ? "visit -> erase this" : "visit");
    for (const VisitWrite& w : spec_.visit.writes) {
      if (w.at_visit == shown_) Write(w);
    }
    return action;
  }

  void ReadPoint() override {
    read_from_ = last_tick_;
    read_to_ = Tick(StampKind::kReadPoint);
  }

  void EraseResult(Key k, bool erased) override {
    for (auto it = rec_.yields.rbegin(); it != rec_.yields.rend(); ++it) {
      if (it->key != k || it->action != VisitAction::kEraseThis) continue;
      if (it->erase != EraseOutcome::kNone) break;  // the latest one already has its outcome
      it->erase = erased ? EraseOutcome::kErased : EraseOutcome::kDeclined;
      it->erase_at = Tick(StampKind::kEraseOutcome);
      // The history dates the erase here: from now on every load sees its stores.
      if (Scheduler* s = Scheduler::Current()) s->OperationReturned();
      return;
    }
  }

  // After the backend's for_each returned: an erase-this it said nothing about is taken at its
  // contract's word.
  void Finish(bool may_decline) {
    for (YieldRecord& y : rec_.yields) {
      if (y.action == VisitAction::kEraseThis && y.erase == EraseOutcome::kNone) {
        y.erase = may_decline ? EraseOutcome::kUnknown : EraseOutcome::kErased;
      }
    }
  }

 private:
  uint64_t Tick(StampKind kind) { return last_tick_ = runner_.Tick(kind); }

  // A visitor write: an operation of this thread nested in the for_each.
  void Write(const VisitWrite& w) {
    OpSpec op;
    op.kind = w.kind;
    op.key = w.key;
    op.value = w.value;
    OpRecord& nested = rec_.visit_writes.emplace_back();
    nested.visit = static_cast<int>(rec_.yields.size()) - 1;
    runner_.Execute(op, thread_, rec_.index, nested);
    last_tick_ = nested.response;
  }

  OpRunner& runner_;
  const OpSpec& spec_;
  const int thread_;
  OpRecord& rec_;
  uint64_t last_tick_;  // this thread's latest stamp: where a reported read's window begins
  uint64_t read_from_ = 0, read_to_ = 0;  // a read point reported for the next visit
  uint32_t shown_ = 0;
};

// A trial's map holds a few entries: one allocation for the yields of most iterations.
constexpr size_t kYieldsReserved = 16;

int64_t OpRunner::RunForEach(const OpSpec& spec, int thread, OpRecord& rec) {
  const IterKind kind =
      spec.visit.mode == VisitPlan::Mode::kContinue ? IterKind::kReadOnly : IterKind::kMayErase;
  Iteration iteration(*this, spec, thread, rec);
  rec.yields.reserve(kYieldsReserved);
  map_.ForEach(Visitor([&](Key k, Value v) { return iteration.Visit(k, v); }, &iteration), kind);
  iteration.Finish(backend_.erase_this_may_decline);
  return static_cast<int64_t>(rec.yields.size());
}

uint64_t current_trial_seed = 0;

// Makes ThreadSanitizer ignore this thread's accesses for the scope (TSan builds; else nothing).
class TsanIgnoreScope {
 public:
  explicit TsanIgnoreScope([[maybe_unused]] bool ignore) {
#if defined(MAPFAULT_TSAN)
    ignore_ = ignore;
    if (ignore_) __tsan_ignore_thread_begin();
#endif
  }
  ~TsanIgnoreScope() {
#if defined(MAPFAULT_TSAN)
    if (ignore_) __tsan_ignore_thread_end();
#endif
  }
  TsanIgnoreScope(const TsanIgnoreScope&) = delete;
  TsanIgnoreScope& operator=(const TsanIgnoreScope&) = delete;

 private:
  [[maybe_unused]] bool ignore_ = false;
};

}  // namespace

uint64_t EstimateSteps(const Program& p) {
  uint64_t steps = 0;
  const uint64_t entries = p.init.size() + 2;
  for (const auto& t : p.threads) {
    for (const OpSpec& op : t) steps += op.kind == OpKind::kForEach ? 3 * entries + 4 : 6;
  }
  return steps;
}

uint64_t StepBound(uint64_t max_steps, const Program& program) {
  if (max_steps != kDefaultMaxSteps) return max_steps;
  const uint64_t need = EstimateSteps(program);
  const uint64_t cap = ~uint64_t{0} / kStepBoundFactor;
  return std::max(kDefaultMaxSteps, std::min(need, cap) * kStepBoundFactor);
}

bool StepBoundJudgesLivelock(uint64_t bound, const Program& program) {
  const uint64_t need = EstimateSteps(program);
  return bound / kStepBoundFactor >= need;
}

uint64_t WatchdogScale(const Program& program) {
  return std::max<uint64_t>(1, (EstimateSteps(program) + kDefaultMaxSteps - 1) / kDefaultMaxSteps);
}

InvariantSet TrialResult::violated() const {
  InvariantSet s;
  for (const Violation& v : violations) s.Add(v.invariant);
  return s;
}

Program GenerateProgram(const Scenario& scenario, const ScenarioParams& params, uint64_t seed) {
  Rng rng = Rng(seed).Split(1);
  return scenario.generate(params, rng);
}

Program ProgramFor(const TrialSpec& spec) {
  return spec.program ? *spec.program : GenerateProgram(*spec.scenario, spec.params, spec.seed);
}

InvariantSet ClaimsFor(const BackendInfo& backend, const Program& program) {
  if (backend.unsafe_concurrent_ops == 0) return backend.claims;
  if ((backend.unsafe_concurrent_ops & BackendInfo::kVisitorWritesBit) != 0 &&
      program.HasVisitorWrites()) {
    return backend.claims_if_unsafe;
  }
  if (program.threads.size() < 2) return backend.claims;
  for (const auto& ops : program.threads) {
    for (const OpSpec& op : ops) {
      uint32_t bit = 1u << static_cast<int>(op.kind);
      if (op.kind == OpKind::kForEach && op.visit.mode != VisitPlan::Mode::kContinue) {
        bit |= BackendInfo::kEraseThisBit;
      }
      if (backend.unsafe_concurrent_ops & bit) return backend.claims_if_unsafe;
    }
  }
  return backend.claims;
}

uint64_t StrategySeed(uint64_t trial_seed) { return Rng(trial_seed).Split(2).Next(); }

uint64_t TrialSeed(uint64_t run_seed, uint64_t cell_key, uint64_t index) {
  return Mix64(Mix64(run_seed ^ Mix64(cell_key)) + index);
}

uint64_t CurrentTrialSeed() { return current_trial_seed; }

namespace {

// The hooks of SetScheduleStartHook and SetProgramReadyHook (null: none).
bool (*schedule_start_hook)() = nullptr;
void (*program_ready_hook)(const Program&) = nullptr;

// RecycleTrialResult's buffers, taken by the next trial on this thread.
struct TrialSpares {
  std::vector<std::vector<OpRecord>> threads;
  std::vector<OpRecord> post;
  std::vector<std::pair<Key, Value>> initial;
  std::vector<std::pair<Key, Value>> final_state;
};
thread_local TrialSpares trial_spares;

// `records` holding `n` records as a fresh vector of OpRecord() would, each recycled record's
// yields and visitor writes emptied but keeping their capacity.
void ResetRecords(std::vector<OpRecord>& records, size_t n) {
  const size_t kept = std::min(records.size(), n);
  records.resize(n);
  for (size_t i = 0; i < kept; ++i) records[i].Reset();
}

// What both modes share: the program, the map after the init part, the history shell, and one
// body per logical thread.
struct TrialSetup {
  TrialResult* result = nullptr;
  std::unique_ptr<AnyMap> map;
  std::atomic<uint64_t> clock{0};
  std::optional<OpRunner> runner;
  std::vector<std::function<void()>> bodies;
};

// Logical thread `thread`'s body: its operations in order. Two words, so std::function keeps it
// without allocating (libstdc++ stores up to 16 bytes in place).
struct ThreadBody {
  TrialSetup* setup;
  size_t thread;
  [[gnu::flatten]] void operator()() const {
    const std::vector<OpSpec>& ops = setup->result->program.threads[thread];
    std::vector<OpRecord>& records = setup->result->history.threads[thread];
    setup->map->ThreadAttach();
    for (size_t i = 0; i < ops.size(); ++i) {
      setup->runner->Run(ops[i], static_cast<int>(thread), static_cast<int>(i), records[i]);
    }
    setup->map->ThreadDetach();
  }
};

void Prepare(const TrialSpec& spec, std::unique_ptr<AnyMap> map, TrialResult& r, TrialSetup& setup,
             TraceBuffer* perturbed_trace) {
  current_trial_seed = spec.seed;
  setup.result = &r;
  r.program = ProgramFor(spec);
  if (program_ready_hook != nullptr) program_ready_hook(r.program);
  setup.map = std::move(map);
  setup.map->ThreadAttach();  // the harness's thread runs the init and post parts
  for (const auto& [k, v] : r.program.init) setup.map->Insert(k, v);
  setup.map->ThreadDetach();
  r.history.initial.swap(trial_spares.initial);
  r.history.initial.assign(r.program.init.begin(), r.program.init.end());
  setup.runner.emplace(*setup.map, setup.clock, perturbed_trace, *spec.backend);
  const size_t threads = r.program.threads.size();
  r.history.threads.swap(trial_spares.threads);
  r.history.threads.resize(threads);
  setup.bodies.reserve(threads);
  for (size_t t = 0; t < threads; ++t) {
    ResetRecords(r.history.threads[t], r.program.threads[t].size());
    setup.bodies.emplace_back(ThreadBody{&setup, t});
  }
}

// After the threads joined: the quiescent contents, the post part, and the checkers.
void Finish(const TrialSpec& spec, TrialResult& r, TrialSetup& setup) {
  r.history.parallel_end = setup.runner->Tick(StampKind::kParallelEnd);
  setup.map->ThreadAttach();
  std::vector<std::pair<Key, Value>> contents;
  contents.swap(trial_spares.final_state);
  contents.clear();
  contents.reserve(r.program.init.size() + kYieldsReserved);
  setup.map->ForEach(
      [&](Key k, Value v) {
        contents.emplace_back(k, v);
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  r.history.final_state = std::move(contents);
  r.history.post.swap(trial_spares.post);
  ResetRecords(r.history.post, r.program.post.size());
  for (size_t i = 0; i < r.program.post.size(); ++i) {
    setup.runner->Run(r.program.post[i], -1, static_cast<int>(i), r.history.post[i]);
  }
  setup.map->ThreadDetach();
  CheckOptions check_options;
  check_options.duplicate_allows_reinsert = spec.backend->duplicate_allows_reinsert;
  const int64_t check_start = PhaseClockNs();
  CheckResult checked = CheckHistory(r.history, check_options);
  r.phases.checking_ns = PhaseClockNs() - check_start;
  r.violations = std::move(checked.violations);
  r.undecided = checked.undecided;
}

}  // namespace

void SetScheduleStartHook(bool (*hook)()) { schedule_start_hook = hook; }

void SetProgramReadyHook(void (*hook)(const Program& program)) { program_ready_hook = hook; }

bool ScheduleStarted() { return schedule_start_hook == nullptr || schedule_start_hook(); }

TrialResult RunControlledTrial(const TrialSpec& spec) {
  if (spec.strategy.kind == StrategyKind::kExhaustive && !spec.replay_choices) {
    return RunExhaustiveSearch(spec);
  }
  std::unique_ptr<Strategy> strategy;
  if (spec.replay_choices) {
    strategy = MakeReplayStrategy(*spec.replay_choices, spec.lenient_replay);
  } else {
    strategy = MakeStrategy(spec.strategy, StrategySeed(spec.seed));
  }
  return RunControlledSchedule(spec, *strategy);
}

TrialResult RunControlledSchedule(const TrialSpec& spec, Strategy& strategy) {
  TrialResult r;
  TrialSetup setup;
  Prepare(spec, spec.backend->make_controlled(), r, setup, nullptr);
  Scheduler::Options options;
  options.max_steps = StepBound(spec.max_steps, r.program);
  options.expected_steps = EstimateSteps(r.program);
  options.trace = spec.trace;
  options.memory_model = spec.strategy.memory_model;
  // Only a backend whose shared plain fields are all Vars is judged: another (go_checked, racy by
  // design like Go's runtime) runs to the end of the trial, as without the detector.
  options.race_detection = spec.strategy.race_detection && spec.backend->race_checked;
  Scheduler scheduler(strategy, options);
  const int64_t run_start = PhaseClockNs();
  r.run = scheduler.Run(std::move(setup.bodies));
  r.phases.trial_ns = PhaseClockNs() - run_start;

  switch (r.run.kind) {
    case RunResult::Kind::kCompleted: break;
    case RunResult::Kind::kLivelock:
      if (!StepBoundJudgesLivelock(options.max_steps, r.program)) {
        // A harness limit, not the backend's: no-hang (and all else) stays undecided.
        r.run.detail = absl::StrCat(
            "harness limit: the step bound of ", options.max_steps, " (--max-steps) is below ",
            kStepBoundFactor, " x the program's ~", EstimateSteps(r.program),
            " steps; raise --max-steps or leave it at its default, which scales");
        r.undecided.Add(Invariant::kNoHang);
        return r;
      }
      r.violations.push_back({Invariant::kNoHang, r.run.detail});
      return r;
    case RunResult::Kind::kDeadlock:
      r.violations.push_back({Invariant::kNoHang, r.run.detail});
      return r;
    case RunResult::Kind::kException:
      r.violations.push_back({Invariant::kNoCrash, r.run.detail + WorkerLimitHint(0, r.run.detail)});
      return r;
    case RunResult::Kind::kDataRace:
      // Halted at the race (before the racy value was used): how the trial would have ended, and
      // what its history would have shown, is not evaluated (supervisor.cc's TallyTrial).
      r.violations.push_back({Invariant::kNoDataRace, r.run.detail});
      return r;
    case RunResult::Kind::kDivergence:
      return r;  // not a verdict on the backend: the caller reports the divergence
  }
  Finish(spec, r, setup);
  return r;
}

TrialResult RunPerturbedTrial(const TrialSpec& spec) {
  TrialResult r;
  TrialSetup setup;
  Prepare(spec, spec.backend->make_real(), r, setup, spec.trace);
  const int threads = static_cast<int>(r.program.threads.size());
  const NoisePlan plan(spec.strategy, StrategySeed(spec.seed), threads, EstimateSteps(r.program));
  std::vector<NoisePlan::Thread> noise;
  for (int t = 0; t < threads; ++t) noise.push_back(plan.ForThread(t));
  const bool preempt = spec.strategy.preempt;
  const int cpu = preempt ? PreemptCpu(spec.seed) : 0;
  std::vector<std::function<void()>> bodies;
  std::vector<BodySpan> spans(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    bodies.push_back([&, t] {
      BodySpan::Stamp stamp(spans[static_cast<size_t>(t)]);
      PerturbationScope scope(&noise[t]);
      TsanIgnoreScope ignore(!spec.backend->tsan_visible);
      std::optional<PreemptScope> preemption;
      if (preempt) preemption.emplace(cpu, Mix64(spec.seed + static_cast<uint64_t>(t) + 1));
      setup.bodies[t]();
    });
  }
  // `reference-loop` is stress with the hand-written loop's thread start (reference_loop.h).
  const int64_t handed = PhaseClockNs();
  const std::string error = spec.strategy.kind == StrategyKind::kReferenceLoop
                                ? RunOnSpinStartedThreads(bodies)
                                : RunOnTrialThreads(bodies);
  SplitThreadTime(spans, handed, PhaseClockNs(), r.phases);
  if (!error.empty()) {
    r.run.kind = RunResult::Kind::kException;
    r.run.detail = error;
    r.violations.push_back({Invariant::kNoCrash, error + WorkerLimitHint(0, error)});
    return r;
  }
  Finish(spec, r, setup);
  return r;
}

void RecycleTrialResult(TrialResult&& r) {
  // Each buffer replaces the spare only when it is larger (a trial that ended early, before its
  // post part, has none to give).
  const auto give = [](auto& v, auto& spare) {
    if (v.capacity() > spare.capacity()) spare.swap(v);
  };
  give(r.history.threads, trial_spares.threads);
  give(r.history.post, trial_spares.post);
  give(r.history.initial, trial_spares.initial);
  if (r.history.final_state) give(*r.history.final_state, trial_spares.final_state);
  Scheduler::RecycleChoices(std::move(r.run.choices));
  RecycleProgram(std::move(r.program));
}

TrialResult RunTrial(const TrialSpec& spec) {
  const int64_t start = PhaseClockNs();
  TrialResult r =
      spec.mode == ExecMode::kPerturbed ? RunPerturbedTrial(spec) : RunControlledTrial(spec);
  TrialPhases& p = r.phases;
  p.setup_ns = std::max<int64_t>(
      0, PhaseClockNs() - start - p.thread_start_ns - p.trial_ns - p.checking_ns);
  return r;
}

}  // namespace mapfault
