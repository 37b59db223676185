// Shrinking: operations first (schedule seed fixed), then preemptions, then the bounded search
// for the fewest preemptions (shrink_search.h).
#include "harness/props/shrink.h"

#include <climits>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "harness/props/shrink_search.h"
#include "harness/strategies/replay_strategy.h"
#include "rapidcheck/Check.h"
#include "rapidcheck/detail/TestListener.h"

namespace mapfault {
namespace {

using shrink_internal::Fails;
using shrink_internal::Minimality;
using shrink_internal::ShrinkCase;
using shrink_internal::SpecOf;
using shrink_internal::WithProgram;

// Greedy descent over ShrinkProgram's candidates, as rapidcheck shrinks: take the first smaller
// program that still fails, repeat until none does.
Program ShrinkOps(const TrialSpec& spec, Invariant inv, Program current,
                  const ShrinkOptions& options, int* runs) {
  bool progress = true;
  while (progress && !options.Exhausted(*runs)) {
    progress = false;
    rc::Seq<Program> candidates = ShrinkProgram(current);
    while (rc::Maybe<Program> candidate = candidates.next()) {
      if (options.Exhausted(*runs)) break;
      if (Fails(WithProgram(spec, *candidate), inv, options, nullptr, runs)) {
        current = std::move(*candidate);
        progress = true;
        break;
      }
    }
  }
  return current;
}

// Removes preemptions one at a time: choice i becomes "keep running the current thread"; kept when
// the failure persists with fewer preemptions. Passes repeat until one removes nothing (a removal
// can make an earlier preemption removable).
ShrinkCase ShrinkPreemptions(const TrialSpec& spec, Invariant inv, ShrinkCase current,
                             const ShrinkOptions& options, int* runs) {
  for (bool progress = true; progress;) {
    progress = false;
    const size_t n = current.choices ? current.choices->size() : 0;
    for (size_t i = 0; i < n && current.preemptions > 0 && !options.Exhausted(*runs); ++i) {
      if ((*current.choices)[i] == ReplayStrategy::kStay) continue;
      std::vector<uint8_t> choices = *current.choices;
      choices[i] = ReplayStrategy::kStay;
      ShrinkCase candidate;
      candidate.program = current.program;
      candidate.choices = std::move(choices);
      IsolatedOutcome o;
      if (Fails(SpecOf(spec, candidate), inv, options, &o, runs) &&
          o.preemptions < current.preemptions) {
        candidate.preemptions = o.preemptions;
        candidate.stale_reads = o.stale_reads;
        current = std::move(candidate);
        progress = true;
      }
    }
  }
  return current;
}

// With the schedule fixed instead of the seed: candidates replay the current choices leniently, so
// removing an operation keeps the shape of the failing interleaving. Alternates with preemption
// removal until neither makes progress. A candidate with more than `most_preemptions` preemptions
// is not taken. `*changed` (when given) says whether the program changed.
ShrinkCase ShrinkWithSchedule(const TrialSpec& spec, Invariant inv, ShrinkCase current,
                              const ShrinkOptions& options, int* runs,
                              int most_preemptions = INT_MAX, bool* changed = nullptr) {
  if (!current.choices) return current;
  for (bool progress = true; progress && !options.Exhausted(*runs);) {
    progress = false;
    rc::Seq<Program> candidates = ShrinkProgram(current.program);
    while (rc::Maybe<Program> program = candidates.next()) {
      if (options.Exhausted(*runs)) break;
      ShrinkCase candidate;
      candidate.program = std::move(*program);
      candidate.choices = current.choices;
      IsolatedOutcome o;
      if (Fails(SpecOf(spec, candidate), inv, options, &o, runs) &&
          o.preemptions <= most_preemptions) {
        candidate.preemptions = o.preemptions;
        candidate.stale_reads = o.stale_reads;
        current = std::move(candidate);
        progress = true;
        if (changed != nullptr) *changed = true;
        break;
      }
    }
    if (progress) current = ShrinkPreemptions(spec, inv, std::move(current), options, runs);
  }
  return current;
}

// Bounded searches for fewer preemptions (shrink_search.h), each followed by one more round of
// operation shrinking with the found schedule fixed (never taking more preemptions); a round that
// changes the program is searched again, so the minimality said is the final program's.
ShrinkCase SearchAndShrink(const TrialSpec& spec, Invariant inv, ShrinkCase best,
                           const ShrinkOptions& options, ShrinkOutcome& out) {
  constexpr int kSearches = 3;  // searches at most: the last one speaks for the final program
  for (int i = 0;; ++i) {
    const Minimality m =
        shrink_internal::SearchFewestPreemptions(spec, best, options, &out.runs);
    out.minimal = m.proven;
    out.minimality = m.text;
    out.search_schedules += m.schedules;
    out.searches += m.searches;
    if (i + 1 >= kSearches || !best.choices || options.Exhausted(out.runs)) return best;
    bool changed = false;
    best = ShrinkWithSchedule(spec, inv, std::move(best), options, &out.runs, best.preemptions,
                              &changed);
    if (!changed) return best;
  }
}

// The case the seed's schedule makes of `spec`'s program: its recorded choices (replayed leniently
// they are the same schedule), or none when its worker died (its schedule stays the seed's).
ShrinkCase SeedCase(const TrialSpec& spec, Invariant inv, const ShrinkOptions& options, int* runs) {
  IsolatedOutcome run;
  Fails(spec, inv, options, &run, runs);
  ShrinkCase c;
  c.program = ProgramFor(spec);
  c.preemptions = run.preemptions;
  c.stale_reads = run.stale_reads;
  if (run.kind == IsolatedOutcome::Kind::kCompleted) c.choices = run.choices;
  return c;
}

// The common tail of both entry points, from `best` (the case shrunk with the seed fixed, or a
// shrunk token's own): its preemptions, then the schedule-preserving rounds, then the bounded
// search; fills `out` and its token.
void FinishShrink(const TrialSpec& base, Invariant inv, ShrinkCase best,
                  const ShrinkOptions& options, ShrinkOutcome& out) {
  TrialSpec spec = base;
  spec.search_target = inv;  // an exhaustive search (the strategy's, or the bounded one) seeks inv
  best = ShrinkPreemptions(spec, inv, std::move(best), options, &out.runs);
  best = ShrinkWithSchedule(spec, inv, std::move(best), options, &out.runs);
  best = SearchAndShrink(spec, inv, std::move(best), options, out);
  out.shrunk = best.program;
  out.shrunk_preemptions = best.preemptions;
  out.interrupted = options.Interrupted();
  out.token = MakeToken(SpecOf(spec, best), inv, best.choices).Encode();
}

// rapidcheck's default listener prints a "to reproduce" banner at exit; mapfault prints its own
// token instead.
class QuietListener final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

}  // namespace

ShrinkOutcome ShrinkFailure(const TrialSpec& failing, Invariant inv, const ShrinkOptions& options) {
  ShrinkOutcome out;
  out.invariant = inv;
  out.original = ProgramFor(failing);
  // The trial as the token gives it (its recorded schedule included): what "original" means.
  TrialSpec given = failing;
  given.program = std::make_shared<const Program>(out.original);
  given.search_target = inv;  // an exhaustive token's search stops at this invariant's schedule
  IsolatedOutcome first;
  if (!Fails(given, inv, options, &first, &out.runs)) {
    out.interrupted = options.Interrupted();
    return out;
  }
  out.reproduced = true;
  out.original_preemptions = first.preemptions;
  const TrialSpec base = WithProgram(given, out.original);
  if (failing.replay_choices && failing.lenient_replay) {
    // A shrunk case's token: its schedule is its choices replayed leniently, not the seed's, so
    // its operations shrink with that schedule fixed.
    ShrinkCase own;
    own.program = out.original;
    own.choices = failing.replay_choices;
    own.preemptions = first.preemptions;
    own.stale_reads = first.stale_reads;
    FinishShrink(base, inv, std::move(own), options, out);
    return out;
  }
  out.shrunk = ShrinkOps(base, inv, out.original, options, &out.runs);
  const TrialSpec shrunk = WithProgram(base, out.shrunk);
  FinishShrink(shrunk, inv, SeedCase(shrunk, inv, options, &out.runs), options, out);
  return out;
}

PropertyOutcome CheckBackendProperty(const BackendInfo& backend, const PropertyOptions& options) {
  PropertyOutcome out;
  // A scenario shell for tokens and reports; the program itself travels in the trial spec.
  auto scenario = std::make_shared<Scenario>();
  scenario->id = options.scenario_name;
  scenario->description = "a program generated by rapidcheck";
  scenario->defaults = {options.gen.threads, options.gen.keys, options.gen.initial, options.gen.ops};
  scenario->generate = [](const ScenarioParams&, Rng&) { return Program{}; };

  TrialSpec base;
  base.mode = ExecMode::kControlled;
  base.backend = &backend;
  base.scenario = scenario.get();
  base.params = scenario->defaults;
  base.strategy = options.strategy;

  std::optional<Invariant> target;  // the invariant the first failure broke; shrinking keeps it
  std::optional<std::pair<Program, uint64_t>> first, last;
  int runs = 0;
  const ShrinkOptions shrink{options.watchdog_seconds, ShrinkOptions{}.max_runs, options.stop};
  const auto property = [&] {
    // Interrupted: the case is discarded, so rapidcheck gives up at once (maxDiscardRatio 0) or,
    // shrinking, keeps the smallest failure so far.
    if (shrink.Interrupted()) RC_DISCARD("interrupted");
    const Program program = *GenProgram(options.gen);
    const uint64_t seed = *rc::gen::noShrink(rc::gen::arbitrary<uint64_t>());
    TrialSpec spec = WithProgram(base, program);
    spec.seed = seed;
    const IsolatedOutcome o = RunTrialIsolated(spec, options.watchdog_seconds, options.stop);
    if (o.kind == IsolatedOutcome::Kind::kInterrupted) RC_DISCARD("interrupted");
    ++runs;
    const InvariantSet claimed = ClaimsFor(backend, program);
    std::optional<Invariant> broke;
    for (const Violation& v : o.AllViolations()) {
      if (!claimed.Contains(v.invariant)) continue;
      if (!target || v.invariant == *target) broke = v.invariant;
    }
    if (broke) {
      if (!target) {
        target = broke;
        first = {program, seed};
        out.tests_run = runs;
      }
      last = {program, seed};
    }
    RC_ASSERT(!broke.has_value());
  };
  rc::detail::TestParams params;
  params.seed = options.seed;
  params.maxSuccess = options.tests;
  params.maxSize = 100;
  params.maxDiscardRatio = 0;  // the property discards only when interrupted: give up at once
  rc::detail::TestMetadata metadata;
  metadata.id = metadata.description = "backend " + backend.id + " keeps its claims";
  QuietListener listener;
  const rc::detail::TestResult result =
      rc::detail::checkTestable(property, metadata, params, listener,
                                std::unordered_map<std::string, rc::detail::Reproduce>{});
  rc::detail::FailureResult failure;
  out.interrupted = shrink.Interrupted();
  if (!result.match(failure) || !target || !first || !last) {
    out.passed = true;
    out.tests_run = runs;
    return out;
  }
  out.passed = false;
  out.rapidcheck_message = failure.description;
  ShrinkOutcome s;
  s.reproduced = true;
  s.invariant = *target;
  s.original = first->first;
  s.shrunk = last->first;
  s.runs = runs;
  TrialSpec shrunk_spec = WithProgram(base, last->first);
  shrunk_spec.seed = last->second;
  TrialSpec original_spec = WithProgram(base, first->first);
  original_spec.seed = first->second;
  IsolatedOutcome original_run;
  Fails(original_spec, *target, shrink, &original_run, &s.runs);
  s.original_preemptions = original_run.preemptions;
  FinishShrink(shrunk_spec, *target, SeedCase(shrunk_spec, *target, shrink, &s.runs), shrink, s);
  out.interrupted = out.interrupted || s.interrupted;
  out.failure = std::move(s);
  return out;
}

}  // namespace mapfault
