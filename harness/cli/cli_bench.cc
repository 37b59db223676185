// `mapfault bench-bugs`: the bug-finding benchmark from the command line (harness/bug_bench.h).
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "harness/run/bug_bench.h"
#include "harness/cli/cli.h"
#include "harness/strategies/strategy_table.h"
#include "maps/builtin_backends.h"
#include "reports/bug_bench_report.h"

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
      ->check(CLI::Range(1, 10000));
  bench->add_option("--cap", o.cap, "Trials per repetition before it counts as not found")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  bench->add_option("--seed", o.seed, "Benchmark seed");
  bench->add_option("--replays", o.replays,
                    "Perturbed rows: replays of the first failure to measure reproduction")
      ->check(CLI::Range(0, 10000));
  bench->add_option("--watchdog", o.watchdog, "Seconds before a single trial counts as hung")
      ->check(CLI::PositiveNumber);
  bench->add_option("--threads", o.threads, "Override the scenarios' thread count")
      ->check(CLI::Range(1, 16));
  bench->add_option("--keys", o.keys, "Override the key-space size")->check(CLI::Range(1, 100000));
  bench->add_option("--initial", o.initial, "Override the initial entry count")
      ->check(CLI::Range(1, 100000));
  bench->add_option("--ops", o.ops, "Override operations per thread")->check(CLI::Range(1, 10000));
  bench->add_option("--out", o.out, "Directory for bench.md and bench.json");
  bench->add_flag("--no-progress", o.no_progress, "Do not print a line per finished row");
  return bench;
}

int RunBenchBugs(const BenchBugsOptions& o) {
  BugBenchOptions options;
  options.repetitions = o.repetitions;
  options.cap = o.cap;
  options.seed = o.seed;
  options.reproduction_replays = o.replays;
  options.watchdog_seconds = o.watchdog;
  options.stop = &g_stop;

  const BackendRegistry& registry = GlobalBackends();
  std::vector<const BackendInfo*> backends;
  if (o.backends.empty()) {
    for (const BackendInfo* b : registry.Listed()) {
      if (b->id.rfind("mutant.", 0) == 0) backends.push_back(b);
    }
  } else {
    for (const std::string& id : o.backends) {
      const BackendInfo* b = registry.Find(id);
      if (b == nullptr) {
        return UsageError(
            absl::StrCat("unknown backend '", id, "'; valid backends: ", registry.ValidIds()));
      }
      backends.push_back(b);
    }
  }
  const ScenarioRegistry& scenarios = ScenarioRegistry::Builtin();
  for (const std::string& id : o.scenarios) {
    if (scenarios.Find(id) == nullptr) {
      return UsageError(
          absl::StrCat("unknown scenario '", id, "'; valid scenarios: ", scenarios.ValidIds()));
    }
  }
  for (const BackendInfo* b : backends) {
    std::vector<const Scenario*> chosen;
    if (!o.scenarios.empty()) {
      for (const std::string& id : o.scenarios) chosen.push_back(scenarios.Find(id));
    } else if (!b->witness_scenario.empty() && scenarios.Find(b->witness_scenario) != nullptr) {
      chosen.push_back(scenarios.Find(b->witness_scenario));
    } else {
      return UsageError(absl::StrCat("backend '", b->id,
                                     "' has no witness scenario; name one with --scenario"));
    }
    for (const Scenario* s : chosen) {
      BugBenchTarget t;
      t.backend = b;
      t.scenario = s;
      // Controlled and perturbed rows of one bug share the program sizes, so they compare the
      // strategies and nothing else.
      t.params = s->DefaultsFor(/*perturbed=*/!b->make_controlled);
      if (o.threads > 0 && s->min_threads <= o.threads) t.params.threads = o.threads;
      if (o.keys > 0) t.params.keys = o.keys;
      if (o.initial > 0) t.params.initial = o.initial;
      if (o.ops > 0) t.params.ops = o.ops;
      if (t.params.initial > t.params.keys) {
        return UsageError(absl::StrCat("--initial (", t.params.initial,
                                       ") cannot exceed --keys (", t.params.keys, ")"));
      }
      options.targets.push_back(t);
    }
  }
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
  if (!o.no_progress) {
    options.on_progress = [](const std::string& line) {
      fmt::print(stderr, "{}\n", line);
    };
  }
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  const BugBenchResults results = RunBugBench(options);
  const std::string md = FormatBugBenchMarkdown(results);
  fmt::print("{}", md);
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  std::ofstream(std::filesystem::path(o.out) / "bench.md") << md;
  std::ofstream(std::filesystem::path(o.out) / "bench.json") << BugBenchToJson(results).dump(2)
                                                              << "\n";
  if (ec || !std::filesystem::exists(std::filesystem::path(o.out) / "bench.json")) {
    return UsageError(absl::StrCat("cannot write to '", o.out, "'; choose another --out"));
  }
  fmt::print("\nwritten to {}/ (bench.md, bench.json)\n", o.out);
  return 0;
}

}  // namespace mapfault
