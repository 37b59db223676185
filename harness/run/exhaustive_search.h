// The bounded-exhaustive search of one program (strategy `exhaustive:pb=K`): every schedule with at
// most K preemptions, by iterative context bounding (strategies/exhaustive_strategy.h), each
// schedule a stateless re-execution of the trial's parallel part from a freshly built map (init
// part included), judged by the checkers like any controlled trial. It stops at the first failing
// schedule, which therefore has the fewest preemptions of any failing schedule of the program; its
// recorded choices replay it exactly (`mapfault replay`).
//
// One search is one trial of the run: `--trials N` searches N programs (trial seeds as for any
// strategy), each in the worker process that runs its batch, so a crash or hang is attributed to
// the program whose search it ended. The watchdog bounds one schedule (ScheduleStarted).
//
// With partial-order reduction (ExhaustiveReduces), an execution the sleep sets cut short is
// equivalent to a schedule run before: it is neither counted nor judged (SearchOutcome::pruned).
#ifndef MAPFAULT_HARNESS_RUN_EXHAUSTIVE_SEARCH_H_
#define MAPFAULT_HARNESS_RUN_EXHAUSTIVE_SEARCH_H_

#include <string>

#include "harness/run/trial.h"

namespace mapfault {

// Searches the program of `spec` (strategy kExhaustive; spec.strategy.max_schedules, when not 0,
// stops it after that many schedules, incomplete; spec.search_target, when set, is the only
// invariant whose violation ends it). The result is the first failing schedule's
// (its run.choices and run.preemptions; each violation's explanation says the preemptions), else
// the last schedule's; `search` says what ran. With spec.trace, the trace holds the last schedule.
TrialResult RunExhaustiveSearch(const TrialSpec& spec);

// Whether a search with `strategy` on `backend` uses partial-order reduction: asked for (not
// "por=off") and sound, i.e. every shared access of the backend is seen (its shared plain fields
// are all Vars: BackendInfo::race_checked). Else the search is unreduced.
bool ExhaustiveReduces(const StrategySpec& strategy, const BackendInfo& backend);

// The stale reads a search with `strategy` enumerates per schedule: its ",stale=S" under the c11
// memory model, 0 under sc (every load reads the latest store there).
int SearchedStaleBound(const StrategySpec& strategy);

// "1 preemption", "3 preemptions": how every search result names a schedule's preemptions.
std::string Preemptions(int n);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_EXHAUSTIVE_SEARCH_H_
