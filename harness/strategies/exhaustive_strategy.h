// The exhaustive strategy: iterative context bounding (Musuvathi & Qadeer, PLDI 2007). For one
// program it enumerates every schedule with at most K preemptions, by stateless re-execution: each
// execution replays a prefix of recorded choices and then extends it without preempting; after it,
// Advance() backtracks (depth first) to the deepest choice point with an untried alternative that
// keeps the preemption count within the round's bound. Rounds go bound 0, 1, ... K, so the first
// failing schedule has the fewest preemptions. A round re-executes the schedules of the rounds
// before it (they are how the round rediscovers the tree) but counts as new only its own, those
// with exactly `round` preemptions; the rounds before it already judged the others.
//
// A preemption is a switch away from a thread that is still runnable at a scheduling point; picking
// another thread because the current one blocked or finished (and the first pick of a trial) is
// not one. The scheduler counts preemptions the same way (RunResult::preemptions).
//
// Partial-order reduction (sleep sets, on unless "por=off"): the scheduler records each step's
// footprint (engine/footprint.h); after thread z was explored at a choice point, z sleeps in the
// siblings explored after it while every step run since is independent of z's step there, and a
// sleeping thread is not chosen (an execution that runs one anyway is cut short: its schedule is
// equivalent to one already explored). Under the preemption bound, z is put to sleep in sibling y
// only when cost(z) + [z still runnable after its step] <= cost(y), cost being 1 for a preemption:
// then the equivalent schedule that runs z's step first has no more preemptions than the one
// pruned, so it lies within the bound and was explored (docs/exhaustive.md gives the argument).
//
// Tree shards (`--shard I/N` of an exhaustive run; tree_shard.h): shard I explores and judges only
// the subtrees it owns. Another shard's subtree is cut where it starts, without running it, unless
// one of this shard's later siblings needs the sleep set the unsharded search would give it there:
// then the other shard's alternative runs one step (a probe, neither counted nor judged) so that
// its step is recorded and puts its thread to sleep in the later siblings exactly as it would
// unsharded. The shards' judged schedules are then disjoint and together the unsharded search's.
//
// Reads-from enumeration (`stale_bound` S > 0, under the c11 memory model): a weak load that may
// read several stores (Strategy::ChooseStore) is a store choice point of the path, whose
// alternatives are its readable stores, the latest first; reading an older one costs one of the
// schedule's S stale reads and no preemption. A thread's step from a choice point may then run
// differently in different executions (its loads read different stores), so the step a sleeping
// thread is kept asleep by is the union of every variant explored (the sleep-set argument needs
// the step's footprint in every execution the sibling's subtree may prune), and the scheduler
// records the extra dependencies of readability (scheduler.h: a seq_cst fence against every
// store, an operation's return against the loads that may read its stores).
#ifndef MAPFAULT_HARNESS_STRATEGIES_EXHAUSTIVE_STRATEGY_H_
#define MAPFAULT_HARNESS_STRATEGIES_EXHAUSTIVE_STRATEGY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "harness/base/limits.h"
#include "harness/engine/strategy.h"
#include "harness/strategies/strategy_spec.h"
#include "harness/strategies/tree_shard.h"

namespace mapfault {

class ExhaustiveStrategy final : public Strategy {
 public:
  // `reduction`: sleep sets (sound only when every shared access is recorded: a backend whose
  // shared plain fields are all Vars). `shard` of `shards`: explore only that tree shard's part
  // (tree_shard.h); 0 of 1 is the whole tree.
  // `stale_bound`: at most that many weak loads per schedule read an older store than the latest
  // (the reads-from enumeration above); 0, every load reads the latest.
  explicit ExhaustiveStrategy(int max_bound, bool reduction = false, int shard = 0, int shards = 1,
                              int stale_bound = 0)
      : max_bound_(max_bound),
        reduction_(reduction),
        shard_(shard),
        stale_bound_(stale_bound),
        root_(TreeOwners::Root(shards)) {
    footprint_.set_weak_reads(stale_bound > 0);
  }

  void Begin(int threads, uint64_t expected_steps) override;
  int Choose(ThreadMask runnable, int current, uint64_t step) override;
  int ChooseStore(int readable, uint64_t step) override;
  std::string Error() const override { return error_; }
  Footprint* StepFootprint() override { return reduction_ ? &footprint_ : nullptr; }
  void StepEnded(int thread, bool runnable) override;

  // After an execution: prepares the next one. Returns false when every schedule with at most
  // max_bound preemptions was executed (or the execution diverged from its prefix).
  bool Advance();
  // The bound of the current round (0 .. max_bound).
  int round() const { return round_; }
  // The preemptions of the execution that just ran, and its loads that read an older store.
  int preemptions() const { return preemptions_; }
  int stale_reads() const { return stale_; }
  // Whether the execution that just ran is a schedule this round counts (exactly round()
  // preemptions, and this tree shard's); the others re-ran schedules of earlier rounds.
  bool IsNewSchedule() const { return !pruned() && preemptions_ == round_ && OwnsSchedule(); }
  // Whether the last execution was cut short, neither counted nor judged: the sleep sets cut it
  // (it ran, or was about to run, a sleeping thread, so its schedule is equivalent to one explored
  // before), or it reached another tree shard's subtree.
  bool pruned() const { return pruned_ || foreign_; }
  // Whether the last execution reached another tree shard's subtree (cut there, or after the
  // probe's one step).
  bool foreign() const { return foreign_; }
  // Whether the last execution diverged from its recorded prefix (a nondeterministic backend).
  bool diverged() const { return !error_.empty(); }

 private:
  // What a thread's step from a choice point touched (recorded when it ran there; with store
  // choices, the union over the variants that ran).
  struct StepRecord {
    StepAccesses step;
    bool runnable = false;  // the thread could still run after the step
    bool recorded = false;
  };
  // A scheduling point with more than one runnable thread on the current path, or a store choice
  // (`readable` > 0: a weak load's readable stores; `chosen` is the store, 0 the latest, and the
  // stores below it were tried; its thread fields stay unused).
  struct ChoicePoint {
    int readable = 0;
    int stale_before = 0;  // store choices: the stale reads of the execution before it
    ThreadMask runnable = 0;
    int current = 0;          // the thread that reached the point (blocked, finished, or none)
    int chosen = 0;
    ThreadMask tried = 0;     // alternatives explored in this round, `chosen` included
    int preemptions_before = 0;
    // Reduction only:
    ThreadMask asleep = 0;         // sleeping on arrival: never chosen here
    uint32_t fresh_from = 0;       // object ids from here on are the suffix's (footprint.h)
    std::vector<StepRecord> steps;  // per thread, its step from this point
    // Tree shards: the shards that own this point's subtree, and whether `chosen` is another
    // shard's alternative run only for its step (a probe).
    TreeOwners owners;
    bool probe = false;
  };
  // A sleeping thread and the choice point whose recorded step of it keeps it asleep.
  struct Sleeper {
    int thread = 0;
    size_t point = 0;
  };
  // Whether picking `thread` at `point` preempts its current thread.
  static bool Preempts(const ChoicePoint& point, int thread);
  ThreadMask SleepMask() const;
  bool Extend(ThreadMask runnable, int current);
  void ExtendStore(int readable);
  // The owners of the subtree below `point`'s alternative `alternative` (a store choice's
  // alternatives stay in its subtree's owners: shards split at thread choices only).
  TreeOwners ChildOwnersOf(const ChoicePoint& point, int alternative) const;
  bool AdvanceStore(ChoicePoint& point);
  // The replayed prefix does not match what the backend did at `step`: records why; returns -1.
  int Diverged(uint64_t step);
  // Puts to sleep the threads explored at path_[index] before its chosen one that may sleep.
  void SleepSiblings(size_t index);
  // Tree shards: whether `thread`'s subtree at `point` is this shard's; whether another shard's
  // alternative `thread` (already in point.tried) must run its step because a later sibling of
  // this shard's may have it asleep; whether the schedule that just ran is this shard's.
  bool Owns(const ChoicePoint& point, int thread) const;
  bool NeedsProbe(const ChoicePoint& point, int thread) const;
  bool OwnsSchedule() const;
  // Whether picking `thread` at `point` stays within the round's bound.
  bool WithinBound(const ChoicePoint& point, int thread) const {
    return point.preemptions_before + (Preempts(point, thread) ? 1 : 0) <= round_;
  }

  static constexpr size_t kNone = ~size_t{0};

  const int max_bound_;
  const bool reduction_;
  const int shard_;
  const int stale_bound_;
  const TreeOwners root_;
  int threads_ = 0;
  int round_ = 0;
  std::vector<ChoicePoint> path_;
  size_t next_ = 0;      // the next choice point of this execution
  int preemptions_ = 0;  // of this execution so far
  int stale_ = 0;        // its loads that read an older store so far
  std::string error_;
  Footprint footprint_;
  std::vector<Sleeper> sleep_;  // the sleep set now
  size_t pending_ = kNone;      // the choice point whose chosen thread's step is running
  size_t step_begin_ = 0;       // next_ when the running step began (its store choices follow)
  bool pruned_ = false;
  bool foreign_ = false;
};

// The exhaustive row's hooks (strategy_table.h): "exhaustive:pb=K" (K in 0..kMaxPreemptionBound,
// optionally ",max=N": at most N schedules per program, ",stale=S": reads-from enumeration with at
// most S stale reads per schedule, and ",por=off": no reduction), and the
// controlled strategy of one execution outside a search: the schedule without preemptions (the
// search's first).
absl::Status ParseExhaustiveParams(std::string_view text, std::string_view params,
                                   StrategySpec& spec);
std::string FormatExhaustiveParams(const StrategySpec& spec);
std::unique_ptr<Strategy> MakeExhaustiveStrategy(const StrategySpec& spec, uint64_t seed);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_STRATEGIES_EXHAUSTIVE_STRATEGY_H_
