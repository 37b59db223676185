// Shrinking failing controlled trials, and property-based checks of a backend over generated
// programs. A failing program is shrunk with its schedule seed fixed, so every candidate is a
// deterministic trial: first its operations (rapidcheck's list shrinking: chunks of each thread's
// operations, init entries, visit plans), then the preemptions of its recorded schedule (each
// preemption in turn is replaced by "keep running the current thread"; kept when the failure
// persists), and finally both again with the recorded schedule fixed instead of the seed (lenient
// replay), which keeps the failing interleaving's shape while operations are removed. Then a
// bounded exhaustive search of the shrunk program (shrink_search.h) looks for a schedule with fewer
// preemptions that breaks the same invariant, and proves the count minimal when the search below
// it was complete. Every candidate (and every search) runs in a fresh worker, so a crashing
// candidate is just a failure.
#ifndef MAPFAULT_HARNESS_PROPS_SHRINK_H_
#define MAPFAULT_HARNESS_PROPS_SHRINK_H_

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/props/program_gen.h"
#include "harness/run/supervisor.h"

namespace mapfault {

struct ShrinkOptions {
  double watchdog_seconds = 5;
  int max_runs = 3000;  // candidate trials at most (each phase stops when it runs out)
  // Set (e.g. by SIGINT) to stop shrinking: the running trial is killed, the smallest case so far
  // is kept.
  const volatile std::sig_atomic_t* stop = nullptr;
  // The bounded search for fewer preemptions: the largest bound it searches (below the shrunk
  // case's own count), and the schedules one search may judge before it stops, unproven. Each
  // search is one candidate trial of max_runs (one worker); none starts once max_runs ran out.
  int search_bound = 3;
  uint64_t search_schedules = 100000;

  bool Interrupted() const { return stop != nullptr && *stop != 0; }
  bool Exhausted(int runs) const { return runs >= max_runs || Interrupted(); }
};

struct ShrinkOutcome {
  bool reproduced = false;  // the trial to shrink failed the invariant at all
  Invariant invariant = Invariant::kNoCrash;
  Program original, shrunk;
  // Preemptions as RunResult::preemptions counts them: switches away from a thread that could
  // have continued (not the first pick of a thread, not a switch because one blocked or finished).
  int original_preemptions = 0;
  int shrunk_preemptions = 0;
  // The bounded search proved shrunk_preemptions minimal: no schedule of `shrunk` with fewer
  // preemptions breaks `invariant` (under --memory-model c11, among schedules with at most as many
  // stale reads as the failing one's, at least 1 and at most 8). `minimality` says it in words, or
  // why it is not proven (the search's bound, its budget, an interruption, ...).
  bool minimal = false;
  std::string minimality;
  uint64_t search_schedules = 0;  // schedules the bounded searches judged
  int searches = 0;               // bounded searches run (each one candidate trial)
  std::string token;  // replays the shrunk case exactly
  int runs = 0;       // candidate trials run
  bool interrupted = false;  // stopped by ShrinkOptions::stop: `shrunk` is the smallest case so far
};

// Shrinks `failing` (a controlled trial that breaks `inv`): its operations, then its preemptions,
// then searches for the fewest preemptions. `original_preemptions` are those of `failing` as given
// (its recorded choices included). A shrunk case's token (lenient choices: a schedule its seed does
// not make) is shrunk from that schedule, its operations with the schedule fixed.
ShrinkOutcome ShrinkFailure(const TrialSpec& failing, Invariant inv, const ShrinkOptions& options);

struct PropertyOptions {
  ProgramGenSettings gen;
  int tests = 100;            // generated programs (each with its own schedule seed)
  uint64_t seed = 1;          // rapidcheck's seed: the same seed checks the same programs
  StrategySpec strategy;      // controlled strategy of every trial
  double watchdog_seconds = 5;
  std::string scenario_name = "generated";
  // Set (e.g. by SIGINT) to stop generating programs (and shrinking a failure found).
  const volatile std::sig_atomic_t* stop = nullptr;
};

struct PropertyOutcome {
  bool passed = true;
  int tests_run = 0;                    // generated programs that ran (up to the first failure)
  std::optional<ShrinkOutcome> failure;  // original = first failing program; shrunk = final case
  std::string rapidcheck_message;       // rapidcheck's own description of the failure
  bool interrupted = false;             // PropertyOptions::stop ended the check early
};

// Checks that `backend` (controlled mode) keeps every invariant it claims on generated programs:
// rapidcheck generates programs and shrinks a failing one (schedule seed fixed), then the
// preemptions of the shrunk case are shrunk too.
PropertyOutcome CheckBackendProperty(const BackendInfo& backend, const PropertyOptions& options);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_PROPS_SHRINK_H_
