// `mapfault check` (a property-based check of one backend over generated programs) and
// `mapfault shrink` (shrink the failing trial of a token): harness/props/shrink.h from the command line.
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "fmt/format.h"
#include "harness/cli/cli.h"
#include "harness/base/limits.h"
#include "harness/cli/cli_values.h"
#include "harness/run/exhaustive_search.h"
#include "harness/run/replay.h"
#include "reports/replay_argument.h"
#include "harness/props/shrink.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

void PrintProgram(const Program& p) {
  std::string init;
  for (const auto& [k, v] : p.init) absl::StrAppend(&init, init.empty() ? "" : ", ", k, ":", v);
  fmt::print("  init: {{{}}}\n", init);
  for (size_t t = 0; t < p.threads.size(); ++t) {
    std::string ops;
    for (const OpSpec& op : p.threads[t]) absl::StrAppend(&ops, ops.empty() ? "" : "; ", op.ToString());
    fmt::print("  T{}: {}\n", t, ops.empty() ? "(nothing)" : ops);
  }
}

// ", 1 of them a bounded search (12 schedules)": the searches among the candidate trials.
std::string SearchesText(const ShrinkOutcome& s) {
  if (s.searches == 0) return "";
  const std::string schedules =
      s.search_schedules == 0 ? "" : fmt::format(" ({} schedules)", s.search_schedules);
  return s.searches == 1 ? fmt::format(", 1 of them a bounded search{}", schedules)
                         : fmt::format(", {} of them bounded searches{}", s.searches, schedules);
}

void PrintShrink(const ShrinkOutcome& s) {
  fmt::print("  original: {} operations in the parallel part, {}\n", ParallelOps(s.original),
             Preemptions(s.original_preemptions));
  fmt::print("  shrunk:   {} operations in the parallel part, {} ({} candidate trials{})\n",
             ParallelOps(s.shrunk), Preemptions(s.shrunk_preemptions), s.runs,
             SearchesText(s));
  if (!s.minimality.empty()) fmt::print("  fewest preemptions: {}\n", s.minimality);
  if (s.interrupted) fmt::print("  (interrupted: the smallest failing case found so far)\n");
  fmt::print("shrunk program:\n");
  PrintProgram(s.shrunk);
  fmt::print("\nmapfault replay {}{}\n", s.token, PluginArgument(s.token));
}

}  // namespace

CLI::App* AddCheckCommands(CLI::App& app, CheckCommandOptions& o) {
  CLI::App* check = app.add_subcommand(
      "check", "Property-based check of one backend over rapidcheck-generated programs, shrinking "
               "a failure");
  check->add_option("--backend", o.backend, "Backend id (controlled mode)")->required();
  check->add_option("--tests", o.tests, "Generated programs to try")->check(CLI::Range(1, 1000000));
  check->add_option("--seed", o.seed, "rapidcheck seed (the same seed checks the same programs)")
      ->check(SeedValidator());
  check->add_option("--threads", o.threads, "Parallel threads")
      ->check(CLI::Range(1, kMaxCliThreads));
  check->add_option("--keys", o.keys, "Key-space size")->check(CLI::Range(1, kMaxKeys));
  check->add_option("--initial", o.initial, "Init entries at most")->check(CLI::Range(0, kMaxKeys));
  check->add_option("--ops", o.ops, "Operations per thread at most")->check(CLI::Range(1, 1000));
  check->add_option("--weights", o.weights,
                    "Operation weights, e.g. insert=30,erase=30,for_each=10 (others 0)");
  check->add_option("--growth", o.growth, "Fraction of inserts using fresh keys (0..1)")
      ->check(FiniteValidator() & CLI::Range(0.0, 1.0));
  check->add_option("--strategy", o.strategy, "random | pct | pct:d=N");
  AddWatchdogOption(check, o.watchdog);
  return check;
}

CLI::App* AddShrinkCommand(CLI::App& app, ShrinkCommandOptions& o) {
  CLI::App* shrink = app.add_subcommand(
      "shrink", "Shrink a controlled failure: fewer operations (same schedule seed), then fewer "
                "preemptions, then a bounded search for the fewest; prints the shrunk program and "
                "its token");
  shrink->add_option("token", o.token,
                  "The token printed after `mapfault replay`, @FILE holding it, or "
                  "DIR/results.json#SUFFIX")
      ->required();
  shrink->add_option("--max-runs", o.max_runs,
                     "Candidate trials at most (each bounded search is one)")
      ->check(CLI::Range(1, 100000000));
  shrink->add_option("--search-bound", o.search_bound,
                     "The bounded search for fewer preemptions goes up to this many (and below "
                     "the shrunk case's own count); -1: no search")
      ->check(CLI::Range(-1, kMaxPreemptionBound));
  shrink->add_option("--max-schedules", o.max_schedules,
                     "Schedules one bounded search may judge before it stops (minimality then "
                     "not proven)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  return shrink;
}

int RunCheck(const CheckCommandOptions& o) {
  const BackendInfo* backend = GlobalBackends().Find(o.backend);
  if (backend == nullptr) {
    return UsageError(absl::StrCat("unknown backend '", o.backend,
                                   "'; valid backends: ", GlobalBackends().ValidIds()));
  }
  if (!backend->make_controlled) {
    return UsageError(absl::StrCat("backend '", o.backend,
                                   "' has no controlled mode (check shrinks deterministic "
                                   "controlled trials); choose a white-box backend"));
  }
  PropertyOptions p;
  p.tests = o.tests;
  p.seed = o.seed;
  p.watchdog_seconds = o.watchdog;
  p.gen.threads = o.threads;
  p.gen.keys = o.keys;
  p.gen.initial = o.initial;
  p.gen.ops = o.ops;
  p.gen.growth = o.growth;
  if (!o.weights.empty()) {
    absl::StatusOr<OpWeights> w = OpWeights::Parse(o.weights);
    if (!w.ok()) return UsageError(std::string(w.status().message()));
    p.gen.weights = *w;
  }
  absl::StatusOr<StrategySpec> strategy = StrategySpec::Parse(o.strategy);
  if (!strategy.ok()) return UsageError(std::string(strategy.status().message()));
  if (strategy->kind != StrategySpec::Kind::kRandom && strategy->kind != StrategySpec::Kind::kPct) {
    return UsageError("check runs controlled trials: use --strategy random, pct or pct:d=N");
  }
  p.strategy = *strategy;
  p.stop = &g_stop;
  CatchStopSignals();
  fmt::print(
      "mapfault check: backend {}, up to {} generated programs ({} threads x up to {} ops, keys "
      "{}, up to {} init entries, weights {}, growth {}), strategy {}, seed {}\n",
      backend->id, p.tests, p.gen.threads, p.gen.ops, p.gen.keys, p.gen.initial,
      p.gen.weights.ToString(), p.gen.growth, p.strategy.ToString(), p.seed);
  std::fflush(stdout);
  const PropertyOutcome r = CheckBackendProperty(*backend, p);
  if (r.passed && r.interrupted) {
    fmt::print("INTERRUPTED: {} held every claimed invariant on the {} generated programs that ran "
               "(of up to {})\n", backend->id, r.tests_run, p.tests);
    return kExitPartial;
  }
  if (r.passed) {
    fmt::print("OK: {} held every claimed invariant on {} generated programs\n", backend->id,
               r.tests_run);
    return kExitHolds;
  }
  const ShrinkOutcome& s = *r.failure;
  fmt::print("FAILED on generated program {}: {} broke {}\n", r.tests_run, backend->id,
             InvariantId(s.invariant));
  PrintShrink(s);
  return kExitBroken;
}

int RunShrink(const ShrinkCommandOptions& o) {
  const std::string& text = o.token;
  // TOKEN, @FILE or DIR/results.json#SUFFIX
  const absl::StatusOr<std::string> argument = ResolveTokenArgument(text);
  if (!argument.ok()) return UsageError(std::string(argument.status().message()));
  absl::StatusOr<ReplayToken> token = ReplayToken::Decode(*argument);
  if (!token.ok()) return UsageError(std::string(token.status().message()));
  if (token->mode != ExecMode::kControlled) {
    return UsageError(
        "shrink needs a controlled-mode token (a perturbed trial is not deterministic); "
        "use `mapfault replay TOKEN --times N` for perturbed ones");
  }
  absl::StatusOr<TrialSpec> spec = TrialSpecFromToken(*token);
  if (!spec.ok()) return UsageError(std::string(spec.status().message()));
  ShrinkOptions options;
  options.stop = &g_stop;
  options.max_runs = o.max_runs;
  options.search_bound = o.search_bound;
  options.search_schedules = o.max_schedules;
  CatchStopSignals();
  fmt::print("mapfault shrink: {} / {} / {}\n", token->backend, token->scenario,
             InvariantId(token->invariant));
  std::fflush(stdout);
  const ShrinkOutcome s = ShrinkFailure(*spec, token->invariant, options);
  if (!s.reproduced && s.interrupted) {
    fmt::print("interrupted before the trial ran: nothing shrunk\n");
    return kExitPartial;
  }
  if (!s.reproduced) {
    fmt::print("the trial no longer breaks {}: nothing to shrink\n", InvariantId(token->invariant));
    return kExitHolds;
  }
  PrintShrink(s);
  return s.interrupted ? kExitPartial : kExitBroken;
}

}  // namespace mapfault
