// Controlled trial execution.
#include "harness/trial.h"

#include "harness/rng.h"

namespace mapfault {
namespace {

const char* OpLabel(OpKind kind) {
  switch (kind) {
    case OpKind::kInsert: return "op: insert";
    case OpKind::kAssign: return "op: assign";
    case OpKind::kErase: return "op: erase";
    case OpKind::kFind: return "op: find";
    case OpKind::kSize: return "op: size";
    case OpKind::kClear: return "op: clear";
    case OpKind::kForEach: return "op: for_each";
  }
  return "op";
}

// Executes the operations of one thread against `map`, recording into `out`.
class OpRunner {
 public:
  OpRunner(AnyMap& map, uint64_t& clock) : map_(map), clock_(clock) {}

  void Run(const OpSpec& spec, int thread, int index, OpRecord& rec) {
    Scheduler* s = Scheduler::Current();
    if (s != nullptr) s->Point(TraceKind::kYield, OpLabel(spec.kind));
    rec.kind = spec.kind;
    rec.key = spec.key;
    rec.value = spec.value;
    rec.thread = thread;
    rec.index = index;
    if (spec.kind == OpKind::kForEach && spec.visit.mode == VisitPlan::Mode::kEraseValueBelow) {
      rec.erase_if_value_below = spec.visit.param;
    }
    rec.invoke = ++clock_;
    if (s != nullptr) {
      s->TraceOp(TraceKind::kOpInvoke, static_cast<uint8_t>(spec.kind), index, 0, OpLabel(spec.kind));
    }
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
      case OpKind::kForEach: {
        const IterKind kind = spec.visit.mode == VisitPlan::Mode::kContinue ? IterKind::kReadOnly
                                                                             : IterKind::kMayErase;
        uint32_t shown = 0;
        map_.ForEach(
            [&](Key k, Value v) {
              const VisitAction action = spec.visit.Decide(k, v, shown);
              if (action == VisitAction::kStop) {
                rec.stopped = true;
                return action;
              }
              ++shown;
              rec.yields.push_back({k, v, ++clock_, action});
              if (s != nullptr) {
                s->TraceOp(TraceKind::kIterYield, static_cast<uint8_t>(action), k, v,
                           action == VisitAction::kEraseThis ? "visit -> erase this" : "visit");
              }
              return action;
            },
            kind);
        result = static_cast<int64_t>(rec.yields.size());
        break;
      }
    }
    rec.response = ++clock_;
    if (s != nullptr) {
      s->TraceOp(TraceKind::kOpResponse, static_cast<uint8_t>(spec.kind), spec.key, result,
                 OpLabel(spec.kind));
    }
  }

 private:
  AnyMap& map_;
  uint64_t& clock_;
};

uint64_t current_trial_seed = 0;

uint64_t EstimateSteps(const Program& p) {
  uint64_t steps = 0;
  const uint64_t entries = p.init.size() + 2;
  for (const auto& t : p.threads) {
    for (const OpSpec& op : t) steps += op.kind == OpKind::kForEach ? 3 * entries + 4 : 6;
  }
  return steps;
}

}  // namespace

InvariantSet TrialResult::violated() const {
  InvariantSet s;
  for (const Violation& v : violations) s.Add(v.invariant);
  return s;
}

Program GenerateProgram(const Scenario& scenario, const ScenarioParams& params, uint64_t seed) {
  Rng rng = Rng(seed).Split(1);
  return scenario.generate(params, rng);
}

uint64_t StrategySeed(uint64_t trial_seed) { return Rng(trial_seed).Split(2).Next(); }

uint64_t TrialSeed(uint64_t run_seed, uint64_t cell_key, uint64_t index) {
  return Mix64(Mix64(run_seed ^ Mix64(cell_key)) + index);
}

uint64_t CurrentTrialSeed() { return current_trial_seed; }

TrialResult RunControlledTrial(const TrialSpec& spec) {
  current_trial_seed = spec.seed;
  TrialResult r;
  r.program = GenerateProgram(*spec.scenario, spec.params, spec.seed);
  const Program& program = r.program;
  std::unique_ptr<AnyMap> map = spec.backend->make_controlled();

  for (const auto& [k, v] : program.init) map->Insert(k, v);
  r.history.initial = program.init;

  uint64_t clock = 0;
  OpRunner runner(*map, clock);
  const int threads = static_cast<int>(program.threads.size());
  r.history.threads.resize(threads);
  for (int t = 0; t < threads; ++t) r.history.threads[t].resize(program.threads[t].size());
  std::vector<std::function<void()>> bodies;
  for (int t = 0; t < threads; ++t) {
    bodies.push_back([&, t] {
      for (size_t i = 0; i < program.threads[t].size(); ++i) {
        runner.Run(program.threads[t][i], t, static_cast<int>(i), r.history.threads[t][i]);
      }
    });
  }

  std::unique_ptr<Strategy> strategy;
  if (spec.replay_choices) {
    strategy = MakeReplayStrategy(*spec.replay_choices);
  } else {
    strategy = MakeStrategy(spec.strategy, StrategySeed(spec.seed));
  }
  Scheduler::Options options;
  options.max_steps = spec.max_steps;
  options.expected_steps = EstimateSteps(program);
  options.trace = spec.trace;
  Scheduler scheduler(*strategy, options);
  r.run = scheduler.Run(std::move(bodies));
  r.history.parallel_end = ++clock;

  switch (r.run.kind) {
    case RunResult::Kind::kCompleted: break;
    case RunResult::Kind::kDeadlock:
    case RunResult::Kind::kLivelock:
      r.violations.push_back({Invariant::kNoHang, r.run.detail});
      return r;
    case RunResult::Kind::kException:
      r.violations.push_back({Invariant::kNoCrash, r.run.detail});
      return r;
    case RunResult::Kind::kDivergence:
      return r;  // not a verdict on the backend: the caller reports the divergence
  }

  // The quiescent contents, read sequentially before the post part.
  std::vector<std::pair<Key, Value>> contents;
  map->ForEach(
      [&](Key k, Value v) {
        contents.emplace_back(k, v);
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  r.history.final_state = std::move(contents);

  r.history.post.resize(program.post.size());
  for (size_t i = 0; i < program.post.size(); ++i) {
    runner.Run(program.post[i], -1, static_cast<int>(i), r.history.post[i]);
  }
  CheckOptions check_options;
  check_options.duplicate_allows_reinsert = spec.backend->duplicate_allows_reinsert;
  CheckResult checked = CheckHistory(r.history, check_options);
  r.violations = std::move(checked.violations);
  r.undecided = checked.undecided;
  return r;
}

}  // namespace mapfault
