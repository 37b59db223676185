// The exhaustive strategy (iterative context bounding), and its row hooks in the strategy table.
#include "harness/strategies/exhaustive_strategy.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mapfault {

bool ExhaustiveStrategy::Preempts(const ChoicePoint& point, int thread) {
  const bool current_runnable =
      point.current >= 0 && point.current < 64 && ((point.runnable >> point.current) & 1u) != 0;
  return current_runnable && thread != point.current;
}

void ExhaustiveStrategy::Begin(int threads, uint64_t) {
  threads_ = threads;
  next_ = 0;
  preemptions_ = 0;
  stale_ = 0;
  error_.clear();
  sleep_.clear();
  pending_ = kNone;
  step_begin_ = 0;
  pruned_ = false;
  foreign_ = false;
}

ThreadMask ExhaustiveStrategy::SleepMask() const {
  ThreadMask mask = 0;
  for (const Sleeper& s : sleep_) mask |= ThreadMask{1} << s.thread;
  return mask;
}

// Adds the choice point an execution reached beyond its prefix and picks without preempting: stay
// on the running thread, else the lowest runnable one that is awake. Returns false when the
// execution ends there: the pick sleeps (its continuations are equivalent to explored ones;
// Advance() tries the other threads here), or its subtree is another shard's and no later sibling
// needs its step.
bool ExhaustiveStrategy::Extend(ThreadMask runnable, int current) {
  ChoicePoint point;
  point.runnable = runnable;
  point.current = current;
  if (next_ == 0) {
    point.owners = root_;
  } else {
    const ChoicePoint& parent = path_[next_ - 1];
    point.owners = ChildOwnersOf(parent, parent.chosen);
  }
  if (reduction_) {
    point.asleep = SleepMask();
    point.fresh_from = footprint_.next_id();
    point.steps.resize(static_cast<size_t>(threads_));
  }
  const bool stay = current >= 0 && current < 64 && ((runnable >> current) & 1u) != 0;
  const ThreadMask awake = runnable & ~point.asleep;
  point.chosen = stay ? current : std::countr_zero(awake != 0 ? awake : runnable);
  point.tried = ThreadMask{1} << point.chosen;
  point.preemptions_before = preemptions_;
  path_.push_back(std::move(point));
  ChoicePoint& added = path_.back();
  if ((added.asleep & added.tried) != 0) {
    pruned_ = true;
    return false;
  }
  if (!Owns(added, added.chosen)) {  // another shard's subtree: cut here, or after one step
    added.probe = NeedsProbe(added, added.chosen);
    foreign_ = !added.probe;
    return added.probe;
  }
  return true;
}

int ExhaustiveStrategy::Choose(ThreadMask runnable, int current, uint64_t step) {
  if (pruned()) return -1;  // the rest of a pruned execution is not needed
  if (next_ < path_.size()) {  // replaying the prefix
    const ChoicePoint& point = path_[next_];
    if (point.readable != 0 || point.runnable != runnable || point.current != current) {
      return Diverged(step);
    }
  } else if (!Extend(runnable, current)) {
    ++next_;
    return -1;
  }
  const ChoicePoint& point = path_[next_];
  if (point.probe) foreign_ = true;  // the probe's step runs; the next choice ends the execution
  if (Preempts(point, point.chosen)) ++preemptions_;
  if (reduction_) {
    SleepSiblings(next_);
    pending_ = next_;
  }
  ++next_;
  step_begin_ = next_;
  return point.chosen;
}

// A weak load's store: the latest when the path is extended; the alternatives are Advance()'s.
// Never cut short: a probe's step (another shard's, run for its footprint) explores every store
// its loads may read, as the unsharded search does, so that the union of its variants is known.
int ExhaustiveStrategy::ChooseStore(int readable, uint64_t step) {
  if (stale_bound_ == 0 || pruned_) return 0;
  if (next_ < path_.size()) {
    const ChoicePoint& point = path_[next_];
    if (point.readable != readable) return Diverged(step);
  } else {
    ExtendStore(readable);
  }
  const ChoicePoint& point = path_[next_++];
  if (point.chosen > 0) ++stale_;
  return point.chosen;
}

void ExhaustiveStrategy::ExtendStore(int readable) {
  ChoicePoint point;
  point.readable = readable;
  point.current = -1;
  point.stale_before = stale_;
  point.preemptions_before = preemptions_;
  point.owners = next_ == 0 ? root_ : ChildOwnersOf(path_[next_ - 1], path_[next_ - 1].chosen);
  path_.push_back(std::move(point));
}

TreeOwners ExhaustiveStrategy::ChildOwnersOf(const ChoicePoint& point, int alternative) const {
  if (point.readable != 0) return point.owners;
  return ChildOwners(point.owners, point.runnable, point.current, alternative);
}

// Sibling z (explored before `chosen` here) sleeps when cost(z) + [z runnable after its step] <=
// cost(chosen): a schedule pruned for z's sleep is equivalent to one that runs z's step here and
// has no more preemptions (docs/exhaustive.md).
void ExhaustiveStrategy::SleepSiblings(size_t index) {
  const ChoicePoint& point = path_[index];
  const int cost = Preempts(point, point.chosen) ? 1 : 0;
  const ThreadMask explored = point.tried & ~point.asleep & ~(ThreadMask{1} << point.chosen);
  for (ThreadMask m = explored; m != 0; m &= m - 1) {
    const int z = std::countr_zero(m);
    const StepRecord& r = point.steps[static_cast<size_t>(z)];
    if (!r.recorded) continue;  // its step never ended (the trial did): not known
    if ((Preempts(point, z) ? 1 : 0) + (r.runnable ? 1 : 0) > cost) continue;
    sleep_.push_back({z, index});
  }
}

void ExhaustiveStrategy::StepEnded(int thread, bool runnable) {
  const StepAccesses& step = footprint_.step();
  const bool was_pruned = pruned_;
  if (pending_ != kNone) {
    ChoicePoint& point = path_[pending_];
    if (point.chosen == thread) {
      StepRecord& r = point.steps[static_cast<size_t>(thread)];
      if (r.recorded && stale_bound_ > 0) {  // another variant of the step: the union
        Merge(r.step, step);
        r.runnable |= runnable;
      } else {
        r = {step, runnable, true};
      }
    }
    pending_ = kNone;
  }
  std::erase_if(sleep_, [&](const Sleeper& s) {
    if (s.thread == thread) {  // a sleeping thread ran (it alone could): equivalent, explored
      pruned_ = true;
      return true;
    }
    const ChoicePoint& at = path_[s.point];
    return Dependent(at.steps[static_cast<size_t>(s.thread)].step, at.fresh_from, step);
  });
  // A pruned step's store choices are not explored: every variant of it would be pruned too.
  if (pruned_ && !was_pruned) next_ = std::min(next_, step_begin_);
  step_begin_ = next_;
  footprint_.ClearStep();
}

bool ExhaustiveStrategy::Advance() {
  if (diverged()) return false;
  path_.resize(next_);
  while (!path_.empty()) {
    ChoicePoint& point = path_.back();
    if (point.readable != 0) {
      if (AdvanceStore(point)) return true;
      path_.pop_back();
      continue;
    }
    for (ThreadMask m = point.runnable & ~point.tried & ~point.asleep; m != 0; m &= m - 1) {
      const int thread = std::countr_zero(m);
      if (!WithinBound(point, thread)) continue;
      point.tried |= ThreadMask{1} << thread;
      point.chosen = thread;
      point.probe = !Owns(point, thread) && NeedsProbe(point, thread);
      if (!Owns(point, thread) && !point.probe) continue;  // explored by its shard alone
      return true;
    }
    path_.pop_back();
  }
  if (round_ >= max_bound_) return false;
  ++round_;  // the next round starts again at the root, with the schedule without preemptions
  return true;
}

// A store choice's next store: every readable one, while the schedule has stale reads to spend.
bool ExhaustiveStrategy::AdvanceStore(ChoicePoint& point) {
  const int next = point.chosen + 1;
  if (next >= point.readable || point.stale_before >= stale_bound_) return false;
  point.chosen = next;
  return true;
}

int ExhaustiveStrategy::Diverged(uint64_t step) {
  error_ = absl::StrCat("exhaustive search diverged at step ", step, " (choice ", next_ + 1,
                        "): the backend ran differently on re-execution");
  return -1;
}

bool ExhaustiveStrategy::Owns(const ChoicePoint& point, int thread) const {
  if (root_.count == 1) return true;
  return ChildOwnersOf(point, thread).Contains(shard_);
}

// The sleep set a later sibling y inherits from `thread` (z) needs z's step: only with reduction,
// and only when z may sleep there (cost(z) <= cost(y)) and y is explored in this round by this
// shard. Siblings go in ascending order after the extension's, so the later ones are the untried.
bool ExhaustiveStrategy::NeedsProbe(const ChoicePoint& point, int thread) const {
  if (!reduction_) return false;
  const bool preempts = Preempts(point, thread);
  for (ThreadMask m = point.runnable & ~point.tried & ~point.asleep; m != 0; m &= m - 1) {
    const int later = std::countr_zero(m);
    if (preempts && !Preempts(point, later)) continue;
    if (WithinBound(point, later) && Owns(point, later)) return true;
  }
  return false;
}

bool ExhaustiveStrategy::OwnsSchedule() const {
  if (root_.count == 1) return true;
  if (next_ == 0) return root_.LeafOwner() == shard_;
  const ChoicePoint& last = path_[next_ - 1];
  return ChildOwnersOf(last, last.chosen).LeafOwner() == shard_;
}

absl::Status ParseExhaustiveParams(std::string_view text, std::string_view params,
                                   StrategySpec& spec) {
  constexpr std::string_view kBound = "pb=";
  if (params.substr(0, kBound.size()) != kBound) return absl::NotFoundError("not exhaustive's");
  const std::vector<std::string> parts =
      absl::StrSplit(std::string(params.substr(kBound.size())), ',');
  int bound = -1;
  uint64_t max_schedules = 0;
  bool reduction = true;
  int stale = StrategySpec::kDefaultStaleBound;
  bool ok = absl::SimpleAtoi(parts[0], &bound) && bound >= 0 && bound <= kMaxPreemptionBound;
  for (size_t i = 1; ok && i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.rfind("max=", 0) == 0) {
      ok = absl::SimpleAtoi(part.substr(4), &max_schedules) && max_schedules > 0;
    } else if (part.rfind("stale=", 0) == 0) {
      ok = absl::SimpleAtoi(part.substr(6), &stale) && stale >= 0 && stale <= kMaxStaleBound;
    } else if (part == "por=off" || part == "por=on") {
      reduction = part == "por=on";
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad exhaustive strategy '", std::string(text),
                     "': use exhaustive:pb=K with K from 0 to ", kMaxPreemptionBound,
                     " (optionally exhaustive:pb=K,max=N, N > 0 schedules per program, "
                     "and ,stale=S, S from 0 to ",
                     kMaxStaleBound,
                     " weak loads that may read an older store, "
                     "and ,por=off for the search without partial-order reduction)"));
  }
  spec.preemption_bound = bound;
  spec.max_schedules = max_schedules;
  spec.reduction = reduction;
  spec.stale_bound = stale;
  return absl::OkStatus();
}

std::string FormatExhaustiveParams(const StrategySpec& spec) {
  std::string text = absl::StrCat("pb=", spec.preemption_bound);
  if (spec.max_schedules != 0) absl::StrAppend(&text, ",max=", spec.max_schedules);
  if (spec.stale_bound != StrategySpec::kDefaultStaleBound) {
    absl::StrAppend(&text, ",stale=", spec.stale_bound);
  }
  if (!spec.reduction) absl::StrAppend(&text, ",por=off");
  return text;
}

std::unique_ptr<Strategy> MakeExhaustiveStrategy(const StrategySpec& spec, uint64_t) {
  return std::make_unique<ExhaustiveStrategy>(spec.preemption_bound);
}

}  // namespace mapfault
