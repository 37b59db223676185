// The shrinker's last phase, a bounded search for the fewest preemptions, and what the phases share
// (harness/props/shrink.cc): a failing case (a program and the schedule that makes it fail), the
// trial that runs it, and running a candidate in a fresh worker.
//
// The search is the exhaustive strategy's own (harness/run/exhaustive_search.h), run in one fresh
// worker like any candidate: strategy exhaustive:pb=B on the case's program, B the case's own
// preemptions minus one (at most ShrinkOptions::search_bound), stopping only at a schedule that
// breaks the case's invariant (TrialSpec::search_target), after at most
// ShrinkOptions::search_schedules schedules. Its rounds go 0, 1, ... B preemptions, so a schedule
// it finds has the fewest preemptions of any schedule of the program that breaks the invariant; a
// search that completes without one proves the case's own count minimal (when B is that count
// minus one). A crash in the search kills its worker: when the crash is the invariant sought, the
// crashing schedule is the find (its preemptions from the worker's trace; its token replays the
// search, which stops at the same schedule); a crash of another kind stops the search there, and
// only its rounds below that schedule's preemptions say anything.
#ifndef MAPFAULT_HARNESS_PROPS_SHRINK_SEARCH_H_
#define MAPFAULT_HARNESS_PROPS_SHRINK_SEARCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/props/shrink.h"
#include "harness/run/worker.h"

namespace mapfault::shrink_internal {

// A failing case: its program, and the schedule that makes it fail.
struct ShrinkCase {
  Program program;
  // A lenient replay of these choices, or (none) the trial's strategy seeded by the trial seed.
  std::optional<std::vector<uint8_t>> choices;
  int preemptions = 0;       // RunResult::preemptions of the failing schedule
  uint32_t stale_reads = 0;  // its weak atomic loads that read an older store
  // Set for a case the bounded search found: the search exhaustive:pb=*searched of the program
  // stops at this schedule; `choices`, when known (its worker completed), replay it exactly.
  std::optional<int> searched;
};

// Runs `spec` in a fresh worker (counted in *runs); whether it broke `inv`, and the outcome.
bool Fails(const TrialSpec& spec, Invariant inv, const ShrinkOptions& options, IsolatedOutcome* out,
           int* runs);
// `spec` running `program`, its schedule from the seed again.
TrialSpec WithProgram(TrialSpec spec, const Program& program);
// The trial that runs case `c` (spec.search_target: the invariant a found case's search stops at).
TrialSpec SpecOf(const TrialSpec& spec, const ShrinkCase& c);

// What the bounded searches established about the final case (ShrinkOutcome::minimal, ...).
struct Minimality {
  bool proven = false;
  std::string text;
  uint64_t schedules = 0;
  int searches = 0;
};

// Searches the program of `current` (which fails spec.search_target with current.preemptions) for
// a schedule breaking the same invariant with fewer preemptions; a find replaces `current`. Says
// whether current.preemptions is now proven minimal for its program.
Minimality SearchFewestPreemptions(const TrialSpec& spec, ShrinkCase& current,
                                   const ShrinkOptions& options, int* runs);

}  // namespace mapfault::shrink_internal

#endif  // MAPFAULT_HARNESS_PROPS_SHRINK_SEARCH_H_
