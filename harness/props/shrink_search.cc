// The bounded search for the fewest preemptions of a shrunk case (see shrink_search.h).
#include "harness/props/shrink_search.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "harness/base/limits.h"
#include "harness/run/exhaustive_search.h"

namespace mapfault::shrink_internal {
namespace {

// The stale reads the bounded search enumerates per schedule under c11 (reads-from enumeration,
// docs/exhaustive.md): the strategy's default, or as many as the case's schedule read (at most
// kMaxStaleBound), so that a failure that needs a weak load's older store is searched for with it.
// Under sc every load reads the latest store: none.
int StaleBoundFor(const TrialSpec& spec, const ShrinkCase& c) {
  if (spec.strategy.memory_model != MemoryModel::kC11) return 0;
  return std::max(StrategySpec::kDefaultStaleBound,
                  static_cast<int>(std::min<uint32_t>(c.stale_reads, kMaxStaleBound)));
}

// The qualifier an exhaustive guarantee carries under c11: the search enumerated at most that
// many stale reads per schedule.
std::string LatestStoreNote(const TrialSpec& spec, const ShrinkCase& c) {
  const int bound = StaleBoundFor(spec, c);
  if (bound == 0) return "";
  std::string note = absl::StrCat(" (among schedules with at most ", bound,
                                  bound == 1 ? " stale read" : " stale reads");
  if (c.stale_reads > static_cast<uint32_t>(bound)) {
    absl::StrAppend(&note, "; the failing schedule reads ", c.stale_reads, " older stores");
  }
  return note + ")";
}

Minimality NotProven(std::string why) { return {false, absl::StrCat("not proven: ", why), 0, 0}; }

// The search's trial: strategy exhaustive:pb=bound on the case's program, stopping at the case's
// invariant or after options.search_schedules schedules.
TrialSpec SearchSpec(const TrialSpec& spec, const ShrinkCase& c, int bound,
                     const ShrinkOptions& options) {
  TrialSpec s = WithProgram(spec, c.program);
  s.strategy.kind = StrategyKind::kExhaustive;
  s.strategy.preemption_bound = bound;
  s.strategy.max_schedules = options.search_schedules;
  s.strategy.reduction = true;  // sound under the bound; off by itself where it would not be
  s.strategy.stale_bound = StaleBoundFor(spec, c);
  return s;
}

// What a search that found nothing showed.
Minimality Unfound(const IsolatedOutcome& o, const TrialSpec& spec, const ShrinkCase& current,
                   int bound, Invariant inv) {
  const std::string id(InvariantId(inv));
  if (o.kind != IsolatedOutcome::Kind::kCompleted) {
    // Its rounds below the schedule it died in (whose preemptions its trace marks) were complete.
    const std::vector<Violation> died = o.AllViolations();
    return NotProven(absl::StrCat(
        "the bounded search ended at a schedule with ", Preemptions(o.preemptions), " that broke ",
        died.empty() ? std::string("something else") : std::string(InvariantId(died[0].invariant)),
        " instead (", o.detail, ")",
        o.preemptions > 0 ? absl::StrCat("; no schedule with fewer than ",
                                         Preemptions(o.preemptions), " breaks ", id,
                                         " in this program")
                          : ""));
  }
  if (!o.search) return NotProven("the bounded search did not run");
  const SearchOutcome& s = *o.search;
  if (s.complete && bound == current.preemptions - 1) {
    return {true,
            absl::StrCat("proven: no schedule with fewer than ", Preemptions(current.preemptions),
                         " breaks ", id, " in this program", LatestStoreNote(spec, current),
                         " (bounded search, ", s.schedules, " schedules)"),
            0, 0};
  }
  if (s.complete) {
    const int above = bound + 1, below = current.preemptions - 1;
    return NotProven(absl::StrCat(
        "no schedule with at most ", Preemptions(bound), " breaks ", id, " in this program (",
        s.schedules, " schedules); the bounded search's bound left ",
        above == below ? Preemptions(above) : absl::StrCat(above, " to ", Preemptions(below)),
        " unsearched"));
  }
  const std::string reached =
      s.bound_complete >= 0
          ? absl::StrCat("; no schedule with at most ", Preemptions(s.bound_complete), " breaks ",
                         id, " in this program")
          : "";
  return NotProven(absl::StrCat("the bounded search ", s.stopped, reached));
}

}  // namespace

bool Fails(const TrialSpec& spec, Invariant inv, const ShrinkOptions& options, IsolatedOutcome* out,
           int* runs) {
  ++*runs;
  IsolatedOutcome o = RunTrialIsolated(spec, options.watchdog_seconds, options.stop);
  bool hit = false;
  for (const Violation& v : o.AllViolations()) hit |= v.invariant == inv;
  if (out != nullptr) *out = std::move(o);
  return hit;
}

TrialSpec WithProgram(TrialSpec spec, const Program& program) {
  spec.program = std::make_shared<const Program>(program);
  spec.replay_choices.reset();  // a different program: the schedule comes from the seed again
  spec.lenient_replay = false;
  return spec;
}

TrialSpec SpecOf(const TrialSpec& spec, const ShrinkCase& c) {
  TrialSpec s = WithProgram(spec, c.program);
  if (c.searched) {
    s.strategy.kind = StrategyKind::kExhaustive;
    s.strategy.preemption_bound = *c.searched;
    s.strategy.max_schedules = 0;
    s.strategy.reduction = true;
    s.strategy.stale_bound = StaleBoundFor(spec, c);
    if (c.choices) s.replay_choices = c.choices;  // exactly: the search's own schedule
  } else if (c.choices) {
    s.replay_choices = c.choices;
    s.lenient_replay = true;
  }
  return s;
}

Minimality SearchFewestPreemptions(const TrialSpec& spec, ShrinkCase& current,
                                   const ShrinkOptions& options, int* runs) {
  const Invariant inv = spec.search_target.value_or(Invariant::kNoCrash);
  if (current.preemptions == 0) {
    return {true, "proven: 0 preemptions, the fewest any schedule has", 0, 0};
  }
  const int bound =
      std::min({current.preemptions - 1, options.search_bound, kMaxPreemptionBound});
  if (bound < 0) return NotProven("the bounded search is off (search bound below 0)");
  if (options.Interrupted()) return NotProven("interrupted before the bounded search");
  if (options.Exhausted(*runs)) {
    return NotProven(absl::StrCat("the shrinker's budget of ", options.max_runs,
                                  " candidate trials ran out before the bounded search"));
  }
  IsolatedOutcome o;
  const bool hit = Fails(SearchSpec(spec, current, bound, options), inv, options, &o, runs);
  Minimality m;
  if (o.kind == IsolatedOutcome::Kind::kInterrupted) {
    m = NotProven("the bounded search was interrupted");
  } else if (hit && o.preemptions < current.preemptions) {
    ShrinkCase found;
    found.program = current.program;
    found.preemptions = o.preemptions;
    found.stale_reads = o.stale_reads;
    found.searched = o.preemptions;
    if (o.kind == IsolatedOutcome::Kind::kCompleted) found.choices = o.choices;
    m.proven = true;
    const std::string how =
        o.search ? absl::StrCat("bounded search: found at schedule ", o.search->schedules)
                 : std::string("bounded search: found where its worker died");
    m.text =
        found.preemptions == 0
            ? absl::StrCat("proven: 0 preemptions, the fewest any schedule has (", how, ")")
            : absl::StrCat("proven: no schedule with fewer than ", Preemptions(found.preemptions),
                           " breaks ", std::string(InvariantId(inv)), " in this program",
                           LatestStoreNote(spec, current), " (", how, ")");
    current = std::move(found);
  } else if (hit) {  // cannot be: the search's bound is below the case's count
    m = NotProven(absl::StrCat("the bounded search found a schedule with ",
                               Preemptions(o.preemptions), ", not fewer"));
  } else {
    m = Unfound(o, spec, current, bound, inv);
  }
  m.searches = 1;
  m.schedules = o.search ? o.search->schedules : 0;
  return m;
}

}  // namespace mapfault::shrink_internal
