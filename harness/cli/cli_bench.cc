// `mapfault bench-bugs`: the bug-finding benchmark from the command line (harness/run/bug_bench.h).
#include <algorithm>
#include <csignal>
#include <filesystem>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "harness/run/bug_bench.h"
#include "harness/run/certify_bench.h"
#include "harness/run/plan.h"
#include "harness/cli/cli.h"
#include "harness/base/limits.h"
#include "harness/cli/cli_values.h"
#include "harness/strategies/strategy_table.h"
#include "maps/builtin_backends.h"
#include "reports/bug_bench_report.h"
#include "reports/report_formats.h"

namespace mapfault {

namespace {

// "Strategy (repeatable; default: stress noise ...); stress/noise/+preempt run perturbed,
// random/pct/portfolio controlled", from the defaults and the strategy table (PreferredMode).
std::string BenchStrategyHelp() {
  std::vector<std::string> defaults, perturbed, controlled;
  for (const BugBenchStrategy& s : DefaultBugBenchStrategies()) {
    defaults.push_back(s.spec.ToString());
  }
  for (const StrategyRow& row : StrategyRows()) {
    StrategySpec spec;
    spec.kind = row.kind;
    (PreferredMode(spec) == ExecMode::kPerturbed ? perturbed : controlled).emplace_back(row.name);
  }
  perturbed.emplace_back("+preempt");
  return absl::StrCat("Strategy (repeatable; default: ", absl::StrJoin(defaults, " "), "); ",
                      absl::StrJoin(perturbed, "/"), " run perturbed, ",
                      absl::StrJoin(controlled, "/"), " controlled");
}

}  // namespace

CLI::App* AddBenchBugsCommand(CLI::App& app, BenchBugsOptions& o) {
  CLI::App* bench = app.add_subcommand(
      "bench-bugs",
      "Measure how fast each strategy finds each bug: trials and time to the first failure");
  bench->add_option("--backend", o.backends,
                    "Backend id (repeatable; default: every mutant.* backend)");
  bench->add_option("--scenario", o.scenarios,
                    "Scenario id (repeatable; default: each backend's witness scenario)");
  bench->add_option("--strategy", o.strategies, BenchStrategyHelp());
  bench->add_option("--reps", o.repetitions, "Repetitions per row (different seeds)")
      ->check(CLI::Range(1, kMaxOps));
  bench->add_option("--cap", o.cap, "Trials per repetition before it counts as not found")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  bench->add_option("--seed", o.seed, "Benchmark seed")->check(SeedValidator());
  bench->add_option("--replays", o.replays,
                    "Perturbed rows: replays of the first failure to measure reproduction")
      ->check(CLI::Range(0, 10000));
  AddWatchdogOption(bench, o.watchdog);
  bench->add_option("--threads", o.threads, "Override the scenarios' thread count")
      ->check(CLI::Range(1, kMaxCliThreads));
  bench->add_option("--keys", o.keys, "Override the key-space size")
      ->check(CLI::Range(1, kMaxKeys));
  bench->add_option("--initial", o.initial, "Override the initial entry count")
      ->check(CLI::Range(1, kMaxKeys));
  bench->add_option("--ops", o.ops, "Override operations per thread")
      ->check(CLI::Range(1, kMaxOps));
  bench->add_option("--exhaustive-cap", o.exhaustive_cap,
                    "Exhaustive rows: programs per repetition before it counts as not found")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  bench->add_option("--certify", o.certify,
                    "Instead: the certification table, N programs per correct white-box backend "
                    "x built-in scenario, searched with and without partial-order reduction")
      ->check(CLI::Range(1, 100000));
  bench->add_option("--certify-bound", o.certify_bound,
                    "The preemption bound of --certify's searches")
      ->check(CLI::Range(0, kMaxPreemptionBound));
  bench
      ->add_option("--certify-stale", o.certify_stale,
                   "The stale reads per schedule --certify's searches enumerate (c11; default 0: "
                   "every weak load reads the latest store)")
      ->check(CLI::Range(0, kMaxStaleBound));
  bench->add_option("--out", o.out,
                    "Directory for bench.md and bench.json (--certify: certify.md, certify.json)");
  bench->add_flag("--no-progress", o.no_progress, "Do not print a line per finished row");
  return bench;
}

namespace {

// The backends to benchmark: the named ones, or every listed mutant.
absl::StatusOr<std::vector<const BackendInfo*>> BenchBackends(const BenchBugsOptions& o,
                                                              const BackendRegistry& registry) {
  std::vector<const BackendInfo*> backends;
  if (o.backends.empty()) {
    for (const BackendInfo* b : registry.Listed()) {
      if (b->id.rfind("mutant.", 0) == 0) backends.push_back(b);
    }
    return backends;
  }
  for (const std::string& id : o.backends) {
    const BackendInfo* b = registry.Find(id);
    if (b == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown backend '", id, "'; valid backends: ", registry.ValidIds()));
    }
    backends.push_back(b);
  }
  return backends;
}

// The (backend, scenario) targets: each backend with the named scenarios, or with its witness
// scenario. Controlled and perturbed rows of one bug share the program sizes (the backend's
// defaults), so they compare the strategies and nothing else; --threads applies where it fits.
absl::StatusOr<std::vector<BugBenchTarget>> BenchTargets(const BenchBugsOptions& o) {
  absl::StatusOr<std::vector<const BackendInfo*>> backends = BenchBackends(o, GlobalBackends());
  if (!backends.ok()) return backends.status();
  const ScenarioSource source;  // built-in scenarios only
  absl::StatusOr<std::vector<const Scenario*>> named = source.Resolve(o.scenarios);
  if (!named.ok()) return named.status();
  const ParamOverrides overrides{o.threads, o.keys, o.initial, o.ops};
  std::vector<BugBenchTarget> targets;
  for (const BackendInfo* b : *backends) {
    std::vector<const Scenario*> chosen;
    if (!o.scenarios.empty()) {
      chosen = *named;
    } else if (const Scenario* w = source.builtins->Find(b->witness_scenario);
               !b->witness_scenario.empty() && w != nullptr) {
      chosen.push_back(w);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "backend '", b->id, "' has no witness scenario; name one with --scenario"));
    }
    for (const Scenario* s : chosen) {
      absl::StatusOr<ScenarioParams> params =
          ApplyOverrides(*s, s->DefaultsFor(/*perturbed=*/!b->make_controlled), overrides,
                         ThreadOverrideRule::kWhereItFits);
      if (!params.ok()) return params.status();
      targets.push_back({b, s, *params});
    }
  }
  return targets;
}

// `bench-bugs --certify N`: the certification table.
int RunCertify(const BenchBugsOptions& o) {
  CertifyBenchOptions options;
  options.programs = o.certify;
  options.preemption_bound = o.certify_bound;
  options.stale_bound = o.certify_stale;
  options.seed = o.seed;
  options.watchdog_seconds = o.watchdog;
  options.stop = &g_stop;
  if (o.backends.empty()) {
    options.backends = CertifiableBackends(GlobalBackends());
  } else {
    absl::StatusOr<std::vector<const BackendInfo*>> named = BenchBackends(o, GlobalBackends());
    if (!named.ok()) return UsageError(std::string(named.status().message()));
    options.backends = *std::move(named);
  }
  if (absl::Status s = CheckReportDir(o.out); !s.ok()) return UsageError(std::string(s.message()));
  if (!o.no_progress) {
    options.on_progress = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  }
  CatchStopSignals();
  const CertifyBenchResults results = RunCertifyBench(options);
  const std::string md = FormatCertifyMarkdown(results);
  fmt::print("{}", md);
  const std::filesystem::path dir(o.out);
  for (absl::Status s : {WriteFileAtomically(dir / "certify.md", md),
                         WriteFileAtomically(dir / "certify.json",
                                             CertifyToJson(results).dump(2) + "\n")}) {
    if (!s.ok()) return UsageError(std::string(s.message()));
  }
  fmt::print("\nwritten to {}/ (certify.md, certify.json)\n", o.out);
  return g_stop ? kExitPartial : kExitHolds;
}

}  // namespace

int RunBenchBugs(const BenchBugsOptions& o) {
  if (o.certify > 0) return RunCertify(o);
  BugBenchOptions options;
  options.repetitions = o.repetitions;
  options.cap = o.cap;
  options.exhaustive_cap = o.exhaustive_cap;
  options.seed = o.seed;
  options.reproduction_replays = o.replays;
  options.watchdog_seconds = o.watchdog;
  options.stop = &g_stop;
  absl::StatusOr<std::vector<BugBenchTarget>> targets = BenchTargets(o);
  if (!targets.ok()) return UsageError(std::string(targets.status().message()));
  options.targets = *std::move(targets);
  if (o.strategies.empty()) {
    options.strategies = DefaultBugBenchStrategies();
  } else {
    for (const std::string& text : o.strategies) {
      absl::StatusOr<BugBenchStrategy> s = ParseBugBenchStrategy(text);
      if (!s.ok()) return UsageError(std::string(s.status().message()));
      options.strategies.push_back(*s);
    }
  }
  if (options.targets.empty()) return UsageError("no backend to benchmark; name one with --backend");
  if (absl::Status s = CheckReportDir(o.out); !s.ok()) return UsageError(std::string(s.message()));
  if (!o.no_progress) {
    options.on_progress = [](const std::string& line) {
      fmt::print(stderr, "{}\n", line);
    };
  }
  CatchStopSignals();
  fmt::print(stderr, "mapfault bench-bugs: {} targets x {} strategies, {} repetitions, cap {} "
             "trials (Ctrl-C stops and writes the rows so far)\n", options.targets.size(),
             options.strategies.size(), options.repetitions, options.cap);
  const BugBenchResults results = RunBugBench(options);
  const std::string md = FormatBugBenchMarkdown(results);
  fmt::print("{}", md);
  const std::filesystem::path dir(o.out);
  for (absl::Status s : {WriteFileAtomically(dir / "bench.md", md),
                         WriteFileAtomically(dir / "bench.json",
                                             BugBenchToJson(results).dump(2) + "\n")}) {
    if (!s.ok()) return UsageError(std::string(s.message()));
  }
  fmt::print("\nwritten to {}/ (bench.md, bench.json)\n", o.out);
  if (g_stop) {
    fmt::print(stderr, "mapfault bench-bugs: interrupted; the tables hold the runs that finished\n");
    return kExitPartial;
  }
  return kExitHolds;
}

}  // namespace mapfault
