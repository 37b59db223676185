// Tests of the shrinker's bounded search for the fewest preemptions (shrink_search.h): a mutant's
// random-walk failure, shrunk, has exactly the preemptions the exhaustive search finds first for
// the shrunk program, proven minimal; the schedule the search reports replays and breaks the same
// invariant, with the preemption count every report shows; a search that a budget or a stop
// request cut short never claims minimality. Controlled mode and fixed seeds throughout.
#include "harness/props/shrink_search.h"

#include <csignal>
#include <string>

#include "gtest/gtest.h"
#include "harness/run/replay.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

using shrink_internal::ShrinkCase;

struct Found {
  TrialSpec spec;
  Invariant invariant = Invariant::kNoCrash;
};

// The first finding of `backend` on `scenario` under the random walk (seed fixed), as a trial spec
// (the one `mapfault shrink TOKEN` starts from).
Found FirstFinding(const std::string& backend, const std::string& scenario, ScenarioParams params,
                   uint64_t seed) {
  CellSpec cell;
  cell.backend = GlobalBackends().Find(backend);
  cell.scenario = ScenarioRegistry::Builtin().Find(scenario);
  cell.params = params;
  cell.strategy = *StrategySpec::Parse("random");
  cell.trials = 2000;
  cell.stop_at_first_failure = true;
  SupervisorOptions so;
  so.seed = seed;
  so.jobs = 1;
  so.reproduction_replays = 0;
  const RunResults run = RunCells({cell}, so);
  Found f;
  uint64_t first = ~uint64_t{0};
  std::string token;
  for (Invariant i : kAllInvariants) {
    const InvariantResult& ir = run.cells[0].invariants[static_cast<int>(i)];
    if (!ir.token.empty() && ir.first_failure_trial < first) {
      first = ir.first_failure_trial;
      f.invariant = i;
      token = ir.token;
    }
  }
  EXPECT_FALSE(token.empty()) << backend << " was not found";
  const absl::StatusOr<ReplayToken> decoded = ReplayToken::Decode(token);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return f;
  const absl::StatusOr<TrialSpec> spec = TrialSpecFromToken(*decoded);
  EXPECT_TRUE(spec.ok()) << spec.status();
  if (spec.ok()) f.spec = *spec;
  return f;
}

// The trial a token describes, as `mapfault replay` and `mapfault shrink` take it.
TrialSpec SpecOfToken(const std::string& text) {
  const absl::StatusOr<ReplayToken> token = ReplayToken::Decode(text);
  EXPECT_TRUE(token.ok()) << token.status();
  if (!token.ok()) return {};
  const absl::StatusOr<TrialSpec> spec = TrialSpecFromToken(*token);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : TrialSpec{};
}

// Replays a token as `mapfault replay` does, in a fresh worker.
IsolatedOutcome Replay(const std::string& text) {
  const TrialSpec spec = SpecOfToken(text);
  if (spec.backend == nullptr) return {};
  return RunTrialIsolated(spec, 10);
}

bool Breaks(const IsolatedOutcome& o, Invariant inv) {
  for (const Violation& v : o.AllViolations()) {
    if (v.invariant == inv) return true;
  }
  return false;
}

// The preemptions the trace marks (what the failure reports count, '*' in the step table).
int MarkedPreemptions(const IsolatedOutcome& o) {
  int n = 0;
  for (const TraceEvent& e : o.trace) n += e.preempted;
  return n;
}

// The fewest preemptions of any schedule of `program` that breaks `inv` (up to `bound`), by the
// exhaustive strategy itself (`exhaustive:pb=K` on that program); -1 when none does.
int ExhaustiveFewest(const TrialSpec& like, const Program& program, Invariant inv, int bound) {
  TrialSpec spec = shrink_internal::WithProgram(like, program);
  spec.strategy = *StrategySpec::Parse("exhaustive:pb=" + std::to_string(bound));
  spec.strategy.memory_model = like.strategy.memory_model;
  spec.search_target = inv;
  const IsolatedOutcome o = RunTrialIsolated(spec, 30);
  return Breaks(o, inv) ? o.preemptions : -1;
}

TEST(ShrinkSearchTest, AShrunkFailureHasTheFewestPreemptionsTheExhaustiveSearchFinds) {
  const Found f = FirstFinding("mutant.mutex_iter_unlocked", "iterate-while-grow",
                               {.threads = 3, .keys = 6, .initial = 4, .ops = 6}, 3);
  ASSERT_NE(f.spec.backend, nullptr);
  const ShrinkOutcome s = ShrinkFailure(f.spec, f.invariant, ShrinkOptions{});
  ASSERT_TRUE(s.reproduced);
  EXPECT_FALSE(s.interrupted);
  EXPECT_GE(s.original_preemptions, 3) << "the random walk's schedule preempts often";
  EXPECT_LT(s.shrunk_preemptions, s.original_preemptions);
  EXPECT_TRUE(s.minimal) << s.minimality;
  EXPECT_EQ(s.searches > 0, s.shrunk_preemptions > 0);
  EXPECT_EQ(ExhaustiveFewest(f.spec, s.shrunk, f.invariant, 3), s.shrunk_preemptions);
  // Here the original program needs as many: the operations removed were not what it needed.
  EXPECT_EQ(ExhaustiveFewest(f.spec, s.original, f.invariant, 3), s.shrunk_preemptions);
  // The token replays the minimal case exactly, with the count the shrinker showed.
  const IsolatedOutcome again = Replay(s.token);
  EXPECT_FALSE(again.diverged) << again.detail;
  EXPECT_TRUE(Breaks(again, f.invariant));
  EXPECT_EQ(again.preemptions, s.shrunk_preemptions);
  EXPECT_EQ(MarkedPreemptions(again), s.shrunk_preemptions);
}

// A shrunk case's token replays its choices leniently, a schedule the seed does not make: shrinking
// it again starts from that schedule, whose preemptions are its "original" ones. (The shrinker
// used to start from the seed's schedule of the program and show its count: 15, not 8, here.)
TEST(ShrinkSearchTest, AShrunkTokenIsShrunkFromItsOwnSchedule) {
  const Found f = FirstFinding("mutant.mutex_iter_unlocked", "iterate-while-grow",
                               {.threads = 3, .keys = 6, .initial = 4, .ops = 6}, 3);
  ASSERT_NE(f.spec.backend, nullptr);
  ShrinkOptions no_search;
  no_search.search_bound = -1;
  const ShrinkOutcome first = ShrinkFailure(f.spec, f.invariant, no_search);
  ASSERT_TRUE(first.reproduced);
  ASSERT_GT(first.shrunk_preemptions, 1);
  const TrialSpec token = SpecOfToken(first.token);
  ASSERT_TRUE(token.lenient_replay);
  const IsolatedOutcome replay = Replay(first.token);
  EXPECT_EQ(replay.preemptions, first.shrunk_preemptions);
  const ShrinkOutcome again = ShrinkFailure(token, f.invariant, ShrinkOptions{});
  ASSERT_TRUE(again.reproduced);
  EXPECT_EQ(again.original_preemptions, first.shrunk_preemptions);
  EXPECT_LE(ParallelOps(again.shrunk), ParallelOps(first.shrunk));
  EXPECT_TRUE(again.minimal) << again.minimality;
  EXPECT_EQ(ExhaustiveFewest(f.spec, again.shrunk, f.invariant, 3), again.shrunk_preemptions);
  EXPECT_TRUE(Breaks(Replay(again.token), f.invariant));
}

// A crash the search finds ends its worker before it reports a schedule: the crashing schedule's
// preemptions come from the worker's trace, and its token (an exhaustive one without choices)
// replays the search, which stops at the same crash.
TEST(ShrinkSearchTest, ACrashFoundBySearchReplaysFromItsSearch) {
  const Found f = FirstFinding("mutant.iter_stale_successor", "concurrent-erase-all",
                               ScenarioRegistry::Builtin().Find("concurrent-erase-all")->defaults,
                               3);
  ASSERT_NE(f.spec.backend, nullptr);
  ASSERT_EQ(f.invariant, Invariant::kNoCrash);
  const ShrinkOutcome s = ShrinkFailure(f.spec, f.invariant, ShrinkOptions{});
  ASSERT_TRUE(s.reproduced);
  EXPECT_GE(s.original_preemptions, 3);
  EXPECT_LT(s.shrunk_preemptions, s.original_preemptions);
  EXPECT_TRUE(s.minimal) << s.minimality;
  EXPECT_EQ(ExhaustiveFewest(f.spec, s.shrunk, f.invariant, 3), s.shrunk_preemptions);
  const absl::StatusOr<ReplayToken> token = ReplayToken::Decode(s.token);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->strategy.kind, StrategyKind::kExhaustive);
  EXPECT_EQ(token->strategy.preemption_bound, s.shrunk_preemptions);
  EXPECT_FALSE(token->choices.has_value()) << "a crash's worker reports no schedule";
  const IsolatedOutcome again = Replay(s.token);
  EXPECT_TRUE(Breaks(again, Invariant::kNoCrash)) << again.detail;
  EXPECT_EQ(again.preemptions, s.shrunk_preemptions);
  EXPECT_EQ(MarkedPreemptions(again), s.shrunk_preemptions);
}

// A case of a correct backend said to fail with 3 preemptions: the search finds nothing below, so
// what it may claim depends only on how far it got.
ShrinkCase CorrectCase(TrialSpec& spec) {
  spec.backend = GlobalBackends().Find("mutex");
  spec.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  spec.params = spec.scenario->defaults;
  spec.strategy = *StrategySpec::Parse("random");
  spec.seed = 1;
  spec.search_target = Invariant::kIterNoDuplicate;
  ShrinkCase c;
  c.program = ProgramFor(spec);
  c.preemptions = 3;
  return c;
}

TEST(ShrinkSearchTest, ACompleteSearchBelowTheCountProvesItMinimal) {
  TrialSpec spec;
  ShrinkCase c = CorrectCase(spec);
  int runs = 0;
  const shrink_internal::Minimality m =
      shrink_internal::SearchFewestPreemptions(spec, c, ShrinkOptions{}, &runs);
  EXPECT_TRUE(m.proven) << m.text;
  EXPECT_EQ(m.text.rfind("proven: no schedule with fewer than 3 preemptions breaks "
                         "iter.no-duplicate in this program", 0), 0u) << m.text;
  // Under c11 (the default) the search enumerated one stale read per schedule, and says so.
  EXPECT_NE(m.text.find("in this program (among schedules with at most 1 stale read)"),
            std::string::npos)
      << m.text;
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(m.searches, 1);
  EXPECT_GT(m.schedules, 1u);
  EXPECT_EQ(c.preemptions, 3);  // nothing found: the case stays
  EXPECT_FALSE(c.searched.has_value());
}

TEST(ShrinkSearchTest, ASearchCutShortClaimsNoMinimality) {
  TrialSpec spec;
  const ShrinkCase c = CorrectCase(spec);
  const auto search = [&](const ShrinkOptions& options, int runs = 0) {
    ShrinkCase copy = c;
    return shrink_internal::SearchFewestPreemptions(spec, copy, options, &runs);
  };
  ShrinkOptions budget;
  budget.search_schedules = 5;
  const shrink_internal::Minimality cut = search(budget);
  EXPECT_FALSE(cut.proven);
  EXPECT_EQ(cut.schedules, 5u);
  EXPECT_NE(cut.text.find("not proven: the bounded search stopped by --max-schedules after 5 "
                          "schedules"), std::string::npos) << cut.text;
  ShrinkOptions capped;
  capped.search_bound = 1;  // below the case's 3 - 1: only "at most 1" is shown
  const shrink_internal::Minimality bounded = search(capped);
  EXPECT_FALSE(bounded.proven);
  EXPECT_NE(bounded.text.find("not proven: no schedule with at most 1 preemption breaks"),
            std::string::npos) << bounded.text;
  EXPECT_NE(bounded.text.find("the bounded search's bound left 2 preemptions unsearched"),
            std::string::npos) << bounded.text;
  ShrinkOptions runs_out;
  runs_out.max_runs = 10;
  const shrink_internal::Minimality none = search(runs_out, 10);
  EXPECT_FALSE(none.proven);
  EXPECT_EQ(none.searches, 0);
  EXPECT_NE(none.text.find("budget of 10 candidate trials ran out"), std::string::npos)
      << none.text;
  volatile std::sig_atomic_t stop = 1;
  ShrinkOptions stopped;
  stopped.stop = &stop;
  const shrink_internal::Minimality interrupted = search(stopped);
  EXPECT_FALSE(interrupted.proven);
  EXPECT_NE(interrupted.text.find("interrupted"), std::string::npos) << interrupted.text;
  ShrinkOptions off;
  off.search_bound = -1;
  EXPECT_FALSE(search(off).proven);
}

// Through the whole shrinker: a budget that leaves no search says the count is not proven.
TEST(ShrinkSearchTest, AShrinkWithoutItsSearchSaysMinimalityIsNotProven) {
  const Found f = FirstFinding("mutant.mutex_iter_unlocked", "iterate-while-grow",
                               {.threads = 3, .keys = 6, .initial = 4, .ops = 6}, 3);
  ASSERT_NE(f.spec.backend, nullptr);
  ShrinkOptions options;
  options.search_bound = -1;
  const ShrinkOutcome s = ShrinkFailure(f.spec, f.invariant, options);
  ASSERT_TRUE(s.reproduced);
  ASSERT_GT(s.shrunk_preemptions, 0) << "the case needs a preemption";
  EXPECT_FALSE(s.minimal);
  EXPECT_EQ(s.searches, 0);
  EXPECT_NE(s.minimality.find("not proven"), std::string::npos) << s.minimality;
  EXPECT_TRUE(Breaks(Replay(s.token), f.invariant));
}

}  // namespace
}  // namespace mapfault
