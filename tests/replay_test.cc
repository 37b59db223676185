// Replay round trips (always on; Shuttle's were switched off as broken): a BROKEN token replayed 100
// times gives the identical trace 100 times, for a history violation and for a crash. And the
// determinism check of the confirmation replays: a deterministic backend's findings replay exactly,
// an address-salted one's are marked nondeterministic at a named step, in the results and the
// console report.
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/run/replay.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "maps/builtin_backends.h"
#include "reports/console_report.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

TrialSpec FromToken(const std::string& text) {
  const auto token = ReplayToken::Decode(text);
  EXPECT_TRUE(token.ok()) << token.status();
  const auto spec = TrialSpecFromToken(*token);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

const InvariantResult& FirstBreak(const std::string& backend, const std::string& scenario,
                                  Invariant inv, RunResults& holder) {
  CellSpec c;
  c.backend = GlobalBackends().Find(backend);
  c.scenario = ScenarioRegistry::Builtin().Find(scenario);
  c.params = c.scenario->defaults;
  c.trials = 3000;
  SupervisorOptions o;
  o.seed = 77;
  o.jobs = 2;
  holder = RunCells({c}, o);
  return holder.cells[0].invariants[static_cast<int>(inv)];
}

void ExpectIdenticalReplays(const std::string& token, Invariant inv, int times) {
  const TrialSpec spec = FromToken(token);
  std::set<uint64_t> digests;
  int reproduced = 0;
  for (int i = 0; i < times; ++i) {
    const IsolatedOutcome o = RunTrialIsolated(spec, 10);
    EXPECT_FALSE(o.diverged) << o.detail;
    digests.insert(o.TraceDigest());
    for (const Violation& v : o.AllViolations()) reproduced += v.invariant == inv;
  }
  EXPECT_EQ(reproduced, times);
  EXPECT_EQ(digests.size(), 1u);
}

TEST(ReplayTest, HistoryViolationReplaysIdenticallyOneHundredTimes) {
  RunResults holder;
  const InvariantResult& r = FirstBreak("mutant.mutex_iter_unlocked", "iterate-while-grow",
                                        Invariant::kIterNoDuplicate, holder);
  ASSERT_EQ(r.verdict, Verdict::kBroken);
  ASSERT_TRUE(ReplayToken::Decode(r.token)->choices.has_value());
  ExpectIdenticalReplays(r.token, Invariant::kIterNoDuplicate, 100);
}

// iter_stale_successor follows a pointer to a node freed under the lock (ordered, so not a race):
// the worker dies by SIGSEGV on the poisoned node.
TEST(ReplayTest, CrashReplaysIdenticallyOneHundredTimes) {
  RunResults holder;
  const InvariantResult& r =
      FirstBreak("mutant.iter_stale_successor", "concurrent-erase-all", Invariant::kNoCrash,
                 holder);
  ASSERT_EQ(r.verdict, Verdict::kBroken);
  EXPECT_TRUE(r.confirmed);
  ExpectIdenticalReplays(r.token, Invariant::kNoCrash, 100);
}

// naive's iterate-while-erase halts at its first data race, before the crash it would lead to.
TEST(ReplayTest, DataRaceReplaysIdenticallyOneHundredTimes) {
  RunResults holder;
  const InvariantResult& r =
      FirstBreak("naive", "iterate-while-erase", Invariant::kNoDataRace, holder);
  ASSERT_EQ(r.verdict, Verdict::kBroken);
  EXPECT_TRUE(r.confirmed);
  EXPECT_NE(r.explanation.find("maps/chained_table.h:"), std::string::npos) << r.explanation;
  ExpectIdenticalReplays(r.token, Invariant::kNoDataRace, 100);
}

TEST(ReplayTest, ReplayInProcessReproducesTheHistoryExactly) {
  const Scenario* s = ScenarioRegistry::Builtin().Find("mixed-ops");
  for (uint64_t seed = 0; seed < 200; ++seed) {
    TrialSpec spec;
    spec.backend = GlobalBackends().Find("mutex");
    spec.scenario = s;
    spec.params = s->defaults;
    spec.seed = seed;
    const TrialResult original = RunControlledTrial(spec);
    spec.replay_choices = original.run.choices;
    spec.seed = seed;
    const TrialResult again = RunControlledTrial(spec);
    ASSERT_EQ(again.run.kind, RunResult::Kind::kCompleted);
    EXPECT_EQ(again.run.choices, original.run.choices);
    for (size_t t = 0; t < original.history.threads.size(); ++t) {
      for (size_t i = 0; i < original.history.threads[t].size(); ++i) {
        const OpRecord& a = original.history.threads[t][i];
        const OpRecord& b = again.history.threads[t][i];
        EXPECT_EQ(a.Describe(), b.Describe());
        EXPECT_EQ(a.invoke, b.invoke);
        EXPECT_EQ(a.response, b.response);
      }
    }
  }
}

// The findings of one controlled cell of `backend` on iterate-while-erase (seeded: the same trials
// every time).
RunResults RunTestCell(const std::string& backend) {
  testing::RegisterTestBackends();
  CellSpec c;
  c.backend = GlobalBackends().Find(backend);
  c.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  c.params = c.scenario->defaults;
  c.trials = 200;
  SupervisorOptions o;
  o.seed = 5;
  o.jobs = 1;
  return RunCells({c}, o);
}

// The console paragraph of the finding of `inv`: from its headline to its replay command.
std::string ConsoleParagraph(const RunResults& results, Invariant inv) {
  const std::string text = FormatConsoleReport(results);
  const size_t start = text.find(absl::StrCat(" / ", std::string(InvariantId(inv)), ": "));
  const size_t end = text.find("mapfault replay ", start);
  if (start == std::string::npos || end == std::string::npos) return "";
  return text.substr(start, end - start);
}

std::vector<Invariant> Findings(const RunResults& results) {
  std::vector<Invariant> out;
  for (Invariant inv : kAllInvariants) {
    if (!results.cells[0].invariants[static_cast<int>(inv)].token.empty()) out.push_back(inv);
  }
  return out;
}

TEST(DeterminismTest, ADeterministicBackendsFindingsReplayExactly) {
  const RunResults results = RunTestCell("test.unsalted");
  ASSERT_FALSE(Findings(results).empty());
  const std::string console = FormatConsoleReport(results);
  EXPECT_EQ(console.find("diverged"), std::string::npos) << console;
  for (Invariant inv : Findings(results)) {
    const InvariantResult& r = results.cells[0].invariants[static_cast<int>(inv)];
    EXPECT_EQ(r.replay_check, ReplayCheck::kExact)
        << std::string(InvariantId(inv)) << ": " << r.divergence;
    EXPECT_EQ(r.replays, 0u);
    EXPECT_NE(ConsoleParagraph(results, inv).find("replays exactly"), std::string::npos)
        << console;
  }
}

TEST(DeterminismTest, AnAddressSaltedBackendsFindingsDivergeAtANamedStep) {
  const RunResults results = RunTestCell("test.salted");
  ASSERT_FALSE(Findings(results).empty());
  for (Invariant inv : Findings(results)) {
    const InvariantResult& r = results.cells[0].invariants[static_cast<int>(inv)];
    EXPECT_EQ(r.replay_check, ReplayCheck::kDiverged) << std::string(InvariantId(inv));
    EXPECT_GT(r.diverged_at_step, 0u);
    EXPECT_FALSE(r.divergence.empty());
    EXPECT_EQ(r.replays, 10u);  // the reproduction rate, measured as a perturbed break's
    EXPECT_LE(r.reproduced, r.replays);
    const std::string paragraph = ConsoleParagraph(results, inv);
    EXPECT_NE(paragraph.find(absl::StrCat("nondeterministic backend: replay diverged at step ",
                                          r.diverged_at_step)),
              std::string::npos)
        << paragraph;
    EXPECT_NE(paragraph.find(absl::StrCat("reproduced ", r.reproduced, "/10")), std::string::npos)
        << paragraph;
    EXPECT_EQ(paragraph.find("exactly"), std::string::npos) << paragraph;
  }
  EXPECT_EQ(FormatConsoleReport(results).find("replays exactly"), std::string::npos);
}

}  // namespace
}  // namespace mapfault

namespace mapfault {
namespace {

// The address-space experiment of docs/how-it-works.md#determinism (run by hand; not a check):
// how often a fresh-worker replay of an address-salted finding reproduces it exactly (the same
// invariant with the same explanation as the original run's). MF_REPLAY_TOKEN=TOKEN replays that
// token once, in this process's fresh worker, and prints its explanation (for replays in separate
// processes, e.g. under `setarch -R`, which runs a program with ADDR_NO_RANDOMIZE). Without it: 10
// runs (seeds 1..10) of test.salted, each finding replayed 10 times in fresh workers.
TEST(DeterminismExperiment, DISABLED_AddressSaltedReplays) {
  testing::RegisterTestBackends();
  if (const char* token = std::getenv("MF_REPLAY_TOKEN")) {
    const IsolatedOutcome o = RunTrialIsolated(FromToken(token), 10);
    for (const Violation& v : o.AllViolations()) {
      std::printf("replay: %s: %s\n", std::string(InvariantId(v.invariant)).c_str(),
                  v.explanation.c_str());
    }
    return;
  }
  int matched = 0, total = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    CellSpec c;
    c.backend = GlobalBackends().Find("test.salted");
    c.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
    c.params = c.scenario->defaults;
    c.trials = 200;
    SupervisorOptions o;
    o.seed = seed;
    o.jobs = 1;
    const RunResults run = RunCells({c}, o);
    const InvariantResult& r =
        run.cells[0].invariants[static_cast<int>(Invariant::kIterNoMissedStable)];
    if (r.token.empty()) continue;
    int k = 0;
    for (int i = 0; i < 10; ++i) {
      for (const Violation& v : RunTrialIsolated(FromToken(r.token), 10).AllViolations()) {
        k += v.invariant == Invariant::kIterNoMissedStable && v.explanation == r.explanation;
      }
    }
    std::printf("seed %d: first at trial %d, fresh-worker replays matching the original: %d/10\n"
                "  token %s\n  original: %s\n",
                static_cast<int>(seed), static_cast<int>(r.first_failure_trial), k,
                r.token.c_str(), r.explanation.c_str());
    matched += k;
    total += 10;
  }
  std::printf("total: %d/%d\n", matched, total);
}

}  // namespace
}  // namespace mapfault
