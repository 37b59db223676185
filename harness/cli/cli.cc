// The mapfault command line: argument parsing (CLI11), validation with one-line errors, and the
// list / run / replay commands.
#include "harness/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <deque>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fmt/format.h"
#include "harness/base/escape.h"
#include "harness/base/limits.h"
#include "harness/cli/cli_docs.h"
#include "harness/cli/cli_values.h"
#include "harness/engine/backend.h"
#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "harness/strategies/strategy_table.h"
#include "maps/builtin_backends.h"
#include "nlohmann/json.hpp"
#include "reports/console_report.h"
#include "reports/failure_report.h"
#include "reports/json_report.h"
#include "scenarios/scenario_file.h"
#include "reports/report_formats.h"
#include "harness/run/merge.h"
#include "harness/plugins/plugin_loader.h"
#include "harness/run/plan.h"
#include "harness/run/replay.h"
#include "reports/replay_argument.h"
#include "scenarios/scenario.h"

namespace mapfault {

volatile std::sig_atomic_t g_stop = 0;
void OnStopSignal(int) { g_stop = g_stop + 1; }

void CatchStopSignals() {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

int UsageError(const std::string& message) {
  // One line, whatever the message quotes (tokens, plugin ids, results files): control bytes
  // escaped.
  fmt::print(stderr, "mapfault: error: {}\n", EscapeControlBytes(message));
  return 2;
}

namespace {


struct RunOptions {
  std::string suite = "default";
  std::vector<std::string> files;  // --file: scenario/suite TOML files
  std::vector<std::string> scenarios;
  std::vector<std::string> backends;
  std::vector<std::string> strategies;  // --strategy (repeatable); empty: the suite's, else random
  std::string mode = "auto";
  uint64_t trials = 10000;
  double time_budget = 0;
  std::optional<uint64_t> seed;
  int jobs = 0;
  std::string out = "mapfault-out";
  int threads = 0, keys = 0, initial = 0, ops = 0;  // 0 = scenario default
  uint64_t max_steps = 20000;
  uint64_t max_schedules = 0;  // --max-schedules: exhaustive strategies' budget per program
  double watchdog = 5;
  bool no_progress = false;
  bool preempt = false;
  std::string memory_model;  // --memory-model: "sc" or "c11" ("": each strategy's own, c11)
  int latest_percent = StrategySpec::kDefaultLatestPercent;  // --latest-store
  bool trials_set = false, strategy_set = false, mode_set = false;  // given on the command line
  std::string shard;  // "I/N"; empty: GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS, else unsharded
};

// Writes every report file of `results` into `dir` (reports/report_formats.h: results.json,
// report.txt, ...). False (after a usage error) when it cannot.
bool WriteReports(const RunResults& results, const std::string& dir, const std::string& text,
                  double watchdog) {
  if (absl::Status s = WriteReportFiles({results, text, watchdog}, dir); !s.ok()) {
    UsageError(absl::StrCat(s.message(), ": free space or choose another directory with --out DIR"));
    return false;
  }
  return true;
}

// Loads the plugins of MAPFAULT_PLUGIN_PATH and of --plugin; false after a usage error.
bool LoadPlugins(const std::vector<std::string>& plugins) {
  absl::Status status =
      LoadPluginsFromPath(std::getenv(kPluginPathEnv), GlobalBackends(), nullptr);
  for (size_t i = 0; status.ok() && i < plugins.size(); ++i) {
    status = LoadPlugin(plugins[i], GlobalBackends(), nullptr);
  }
  if (!status.ok()) UsageError(std::string(status.message()));
  return status.ok();
}

int RunList(const std::string& what, bool as_json) {
  using json = nlohmann::json;
  const std::vector<std::string>& kinds = ListKinds();
  if (!what.empty() && std::find(kinds.begin(), kinds.end(), what) == kinds.end()) {
    return UsageError(absl::StrCat("unknown list '", what,
                                   "'; valid: backends, scenarios, suites, invariants, strategies"));
  }
  json all = json::object();
  if (what.empty() || what == "backends") {
    json rows = json::array();
    for (const BackendInfo* b : GlobalBackends().Listed()) {
      std::vector<std::string> claims;
      for (Invariant inv : kAllInvariants) {
        if (b->claims.Contains(inv)) claims.emplace_back(InvariantId(inv));
      }
      std::vector<std::string> modes;
      if (b->make_controlled) modes.push_back("controlled");
      if (b->make_real) modes.push_back("perturbed");
      rows.push_back({{"id", b->id}, {"description", b->description}, {"claims", claims},
                      {"modes", modes},
                      {"erase_this_may_decline", b->erase_this_may_decline},
                      {"visitor_writes", b->visitor_writes}});
    }
    all["backends"] = rows;
  }
  if (what.empty() || what == "scenarios") {
    json rows = json::array();
    for (const Scenario& s : ScenarioRegistry::Builtin().All()) {
      rows.push_back({{"id", s.id},
                      {"description", s.description},
                      {"defaults", ParamsToJson(s.defaults)},
                      {"visitor_writes", s.visitor_writes},
                      {"perturbed_defaults", ParamsToJson(s.DefaultsFor(/*perturbed=*/true))}});
    }
    all["scenarios"] = rows;
  }
  if (what.empty() || what == "suites") {
    json rows = json::array();
    for (const SuiteSpec& s : BuiltinSuites()) {
      rows.push_back({{"id", s.id},
                      {"description", s.description},
                      {"file", s.path},
                      {"backends", s.backends},
                      {"scenarios", s.scenarios},
                      {"plugin", s.plugin}});  // "": built-in backends only
    }
    all["suites"] = rows;
  }
  if (what.empty() || what == "invariants") {
    json rows = json::array();
    for (Invariant inv : kAllInvariants) {
      rows.push_back({{"id", InvariantId(inv)}, {"description", InvariantDescription(inv)}});
    }
    all["invariants"] = rows;
  }
  if (what.empty() || what == "strategies") {
    json rows = json::array();
    for (const auto& [id, description] : StrategyListEntries()) {
      rows.push_back({{"id", id}, {"description", description}});
    }
    all["strategies"] = rows;
  }
  if (as_json) {
    fmt::print("{}\n", all.dump(2));
    return 0;
  }
  for (const auto& [section, rows] : all.items()) {
    fmt::print("{}:\n", section);
    for (const json& row : rows) {
      std::string extra;
      if (row.contains("claims")) {
        const auto claims = row["claims"].get<std::vector<std::string>>();
        extra = claims.size() + 1 == std::size(kAllInvariants) &&
                        std::find(claims.begin(), claims.end(), "misuse-detected") == claims.end()
                    ? "  [claims: all but misuse-detected]"
                    : absl::StrCat("  [claims: ", absl::StrJoin(claims, ", "), "]");
      }
      fmt::print("  {:<28} {}{}\n", row["id"].get<std::string>(),
                 row["description"].get<std::string>(), extra);
    }
  }
  return 0;
}

// Scenario files stay loaded for the process's lifetime (cells point at their scenarios).
std::deque<ScenarioFile>& LoadedFiles() {
  static auto* files = new std::deque<ScenarioFile>();
  return *files;
}

std::string SuiteIds() {
  std::string ids;
  for (const SuiteSpec& s : BuiltinSuites()) absl::StrAppend(&ids, ids.empty() ? "" : ", ", s.id);
  for (const ScenarioFile& f : LoadedFiles()) {
    for (const SuiteSpec& s : f.suites) absl::StrAppend(&ids, ", ", s.id);
  }
  return ids;
}

// What --suite names: a shipped suite, a suite of a --file, or a TOML file ("FILE.toml" with one
// suite, or "FILE.toml:ID"). `file` is the file whose scenarios the suite may use. A file without
// suites yields its scenarios with a null suite.
struct ChosenSuite {
  const SuiteSpec* suite = nullptr;
  const ScenarioFile* file = nullptr;
};
absl::StatusOr<ChosenSuite> ChooseSuite(const std::string& name) {
  const size_t toml = name.find(".toml");
  if (toml != std::string::npos) {
    const std::string path = name.substr(0, toml + 5);
    std::string id = toml + 5 < name.size() && name[toml + 5] == ':' ? name.substr(toml + 6) : "";
    absl::StatusOr<ScenarioFile> file = LoadScenarioFile(path, ScenarioRegistry::Builtin());
    if (!file.ok()) return file.status();
    LoadedFiles().push_back(std::move(*file));
    const ScenarioFile& f = LoadedFiles().back();
    if (id.empty() && f.suites.size() > 1) {
      std::string ids;
      for (const SuiteSpec& s : f.suites) absl::StrAppend(&ids, ids.empty() ? "" : ", ", s.id);
      return absl::InvalidArgumentError(absl::StrCat(path, " has several suites (", ids,
                                                     "): name one with --suite ", path, ":ID"));
    }
    if (id.empty()) return ChosenSuite{f.suites.empty() ? nullptr : &f.suites[0], &f};
    if (const SuiteSpec* s = f.FindSuite(id)) return ChosenSuite{s, &f};
    return absl::InvalidArgumentError(absl::StrCat(path, " has no suite '", id, "'"));
  }
  for (const ScenarioFile& f : LoadedFiles()) {
    if (const SuiteSpec* s = f.FindSuite(name)) return ChosenSuite{s, &f};
  }
  const ScenarioFile* file = nullptr;
  if (const SuiteSpec* s = FindBuiltinSuite(name, &file)) return ChosenSuite{s, file};
  return absl::InvalidArgumentError(absl::StrCat("unknown suite '", name, "'; valid suites: ",
                                                 SuiteIds(), ", or a FILE.toml"));
}

// Prints `status` as a usage error; for the helpers that return nothing after one.
std::nullopt_t UsageFailure(const absl::Status& status) {
  UsageError(std::string(status.message()));
  return std::nullopt;
}

// What a run asks for: the plan request of its cells, once per strategy (`plan.strategy` is the
// first).
struct RunRequest {
  PlanRequest plan;
  std::vector<StrategySpec> strategies;
};

// The --strategy values (the suite's strategy, else random, when none), parsed, --preempt applied,
// each once. Nothing after a usage error.
std::optional<std::vector<StrategySpec>> StrategiesFor(const RunOptions& o) {
  std::vector<std::string> names = o.strategies;
  if (names.empty()) names.push_back("random");
  std::vector<StrategySpec> out;
  for (const std::string& name : names) {
    absl::StatusOr<StrategySpec> strategy = StrategySpec::Parse(name);
    if (!strategy.ok()) return UsageFailure(strategy.status());
    if (o.preempt) strategy->preempt = true;
    if (!o.memory_model.empty()) {
      strategy->memory_model = o.memory_model == "sc" ? MemoryModel::kSc : MemoryModel::kC11;
    }
    strategy->latest_percent = o.latest_percent;
    if (o.max_schedules != 0 && strategy->kind == StrategyKind::kExhaustive) {
      strategy->max_schedules = o.max_schedules;
    }
    if (strategy->preempt && o.mode == "controlled") {
      return UsageFailure(absl::InvalidArgumentError(
          "--preempt applies to perturbed mode (real threads); use --mode perturbed or auto"));
    }
    const bool seen = std::any_of(out.begin(), out.end(), [&](const StrategySpec& s) {
      return s.ToString() == strategy->ToString();
    });
    if (!seen) out.push_back(*strategy);
  }
  return out;
}

// Loads the --file files, chooses the suite and fills in what the command line left to it: the
// plan request of a run. Nothing after a usage error.
std::optional<RunRequest> RequestFor(RunOptions& o, ScenarioSource& source) {
  for (const std::string& path : o.files) {
    absl::StatusOr<ScenarioFile> file = LoadScenarioFile(path, ScenarioRegistry::Builtin());
    if (!file.ok()) return UsageFailure(file.status());
    LoadedFiles().push_back(std::move(*file));
  }
  absl::StatusOr<ChosenSuite> chosen = ChooseSuite(o.suite);
  if (!chosen.ok()) return UsageFailure(chosen.status());
  PlanRequest request;
  std::string backends_from;  // the suite, when it chose the backends
  if (const SuiteSpec* suite = chosen->suite) {
    request.checked = suite->invariants;
    if (!o.trials_set && suite->trials > 0) o.trials = suite->trials;
    if (!o.strategy_set && !suite->strategy.empty()) o.strategies = {suite->strategy};
    if (!o.mode_set && !suite->mode.empty()) o.mode = suite->mode;
    if (o.backends.empty()) {
      absl::StatusOr<std::vector<std::string>> ids =
          ResolveSuiteBackends(*suite, GlobalBackends());
      if (!ids.ok()) return UsageFailure(ids.status());
      o.backends = *ids;
      backends_from = absl::StrCat("suite '", suite->id, "'");
    } else if (!suite->plugin.empty()) {  // --backend go.map --suite go, without the plugin
      for (const std::string& id : o.backends) {
        const bool named =
            std::find(suite->backends.begin(), suite->backends.end(), id) != suite->backends.end();
        if (named && GlobalBackends().Find(id) == nullptr) {
          return UsageFailure(PluginMissingError(*suite, id));
        }
      }
    }
    if (o.scenarios.empty()) o.scenarios = suite->scenarios;
  } else if (o.scenarios.empty()) {  // a file with scenarios only: run them all
    for (const Scenario& s : chosen->file->scenarios) o.scenarios.push_back(s.id);
  }
  std::optional<std::vector<StrategySpec>> strategies = StrategiesFor(o);
  if (!strategies) return std::nullopt;
  source.suite_file = chosen->file;
  for (const ScenarioFile& f : LoadedFiles()) source.files.push_back(&f);
  request.backends = o.backends;
  request.backends_from = backends_from;
  request.scenarios = o.scenarios;
  request.mode = o.mode;
  request.strategy = strategies->front();
  request.overrides = {o.threads, o.keys, o.initial, o.ops};
  request.trials = o.trials;
  request.max_steps = o.max_steps;
  return RunRequest{request, *strategies};
}

// The cells of `request`: backends x scenarios x strategies, each strategy adapted to its cell's
// mode (StrategyForMode), in backend x scenario order with the strategies of one pair side by side.
// A cell that another strategy already gave (random and noise both run noise in a perturbed cell)
// runs once.
absl::StatusOr<RunPlan> PlanCells(const RunRequest& request, const ScenarioSource& source) {
  std::vector<RunPlan> plans;
  for (const StrategySpec& strategy : request.strategies) {
    PlanRequest one = request.plan;
    one.strategy = strategy;
    absl::StatusOr<RunPlan> plan = PlanRun(one, GlobalBackends(), source);
    if (!plan.ok()) return plan.status();
    for (CellSpec& cell : plan->cells) cell.strategy = StrategyForMode(cell.strategy, cell.mode);
    plans.push_back(*std::move(plan));
  }
  RunPlan out = plans.front();  // every strategy plans the same backend x scenario cells
  out.cells.clear();
  std::set<std::string> seen;
  for (size_t i = 0; i < plans.front().cells.size(); ++i) {
    for (const RunPlan& plan : plans) {
      const CellLabel label = LabelOf(plan.cells[i]);
      if (seen.insert(absl::StrCat(label.backend, "\n", label.scenario, "\n", label.mode, "\n",
                                   label.strategy)).second) {
        out.cells.push_back(plan.cells[i]);
      }
    }
  }
  return out;
}

// What the cells run, for the run's first line: "random (12 controlled cells), noise (3 perturbed
// cells)", in the order the cells first use them.
std::string CellStrategiesText(const std::vector<CellSpec>& cells) {
  std::vector<std::pair<std::string, int>> counts;  // "random|controlled", cells
  for (const CellSpec& cell : cells) {
    const CellLabel label = LabelOf(cell);
    const std::string key = absl::StrCat(label.strategy, "|", label.mode);
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == key; });
    if (it == counts.end()) {
      counts.emplace_back(key, 1);
    } else {
      ++it->second;
    }
  }
  return absl::StrJoin(counts, ", ", [](std::string* out, const std::pair<std::string, int>& c) {
    const size_t bar = c.first.find('|');
    absl::StrAppend(out, c.first.substr(0, bar), " (", c.second, " ", c.first.substr(bar + 1),
                    c.second == 1 ? " cell)" : " cells)");
  });
}

// The supervisor's options for a run (the shard from --shard or GoogleTest's environment); false
// after a usage error.
bool SupervisorOptionsFor(const RunOptions& o, SupervisorOptions& so) {
  std::string shard = o.shard;
  if (shard.empty() && std::getenv("GTEST_TOTAL_SHARDS") != nullptr) {
    shard = absl::StrCat(std::getenv("GTEST_SHARD_INDEX") ? std::getenv("GTEST_SHARD_INDEX") : "0",
                         "/", std::getenv("GTEST_TOTAL_SHARDS"));
  }
  if (!shard.empty() && !ParseShard(shard, &so.shard_index, &so.shard_count)) {
    UsageError(absl::StrCat("bad shard '", shard,
                            "': use --shard I/N with 0 <= I < N <= ", kMaxShards,
                            " (or GTEST_SHARD_INDEX and "
                            "GTEST_TOTAL_SHARDS)"));
    return false;
  }
  so.seed = o.seed ? *o.seed : std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
  so.jobs = o.jobs > 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  so.watchdog_seconds = o.watchdog;
  so.time_budget_seconds = o.time_budget;
  so.stop = &g_stop;
  return true;
}

int RunRun(RunOptions o) {
  ScenarioSource source;
  const std::optional<RunRequest> request = RequestFor(o, source);
  if (!request) return 2;
  absl::StatusOr<RunPlan> plan = PlanCells(*request, source);
  if (!plan.ok()) return UsageError(std::string(plan.status().message()));
  SupervisorOptions so;
  if (!SupervisorOptionsFor(o, so)) return 2;
  if (absl::Status s = CheckReportDir(o.out); !s.ok()) return UsageError(std::string(s.message()));
  ProgressPrinter progress(stderr, isatty(STDERR_FILENO) != 0);
  if (!o.no_progress) so.on_progress = [&](const Progress& p) { progress.Update(p); };
  CatchStopSignals();

  fmt::print(stderr, "mapfault run: {} backends x {} scenarios{}, {} cells: {}; {} trials per cell, "
             "seed {}, {} jobs, watchdog {} s (adaptive in a cell after its first hang){}\n",
             plan->backends, plan->scenarios,
             request->strategies.size() > 1
                 ? absl::StrCat(" x ", request->strategies.size(), " strategies")
                 : "",
             plan->cells.size(), CellStrategiesText(plan->cells), o.trials, so.seed, so.jobs,
             o.watchdog,
             so.shard_count > 1 ? absl::StrCat(", shard ", so.shard_index, "/", so.shard_count)
                                : "");
  RunResults results = RunCells(plan->cells, so);
  if (g_stop) results.partial = true;
  progress.Finish();

  const std::string report = FormatConsoleReport(results);
  fmt::print("{}", report);
  if (!WriteReports(results, o.out, report, o.watchdog)) return 2;
  fmt::print("reports written to {}/ ({})\n", o.out, ReportFileList());
  return results.ExitCode();
}

int RunMerge(const std::vector<std::string>& dirs, const std::string& out, bool allow_partial) {
  std::vector<RunResults> shards;
  MergeOptions options{allow_partial, {}};
  for (const std::string& dir : dirs) {
    options.names.push_back((std::filesystem::path(dir) / "results.json").string());
    absl::StatusOr<RunResults> r = ReadResultsFile(options.names.back());
    if (!r.ok()) return UsageError(std::string(r.status().message()));
    shards.push_back(*std::move(r));
  }
  absl::StatusOr<RunResults> merged = MergeResults(shards, options);
  if (!merged.ok()) return UsageError(std::string(merged.status().message()));
  if (absl::Status s = CheckReportDir(out); !s.ok()) return UsageError(std::string(s.message()));
  const std::string report = FormatConsoleReport(*merged);
  fmt::print("{}", report);
  if (!WriteReports(*merged, out, report, 10)) return 2;
  fmt::print("merged {} result sets into {}/\n", shards.size(), out);
  return merged->ExitCode();
}

int RunReplay(const std::string& text, int times, double watchdog) {
  // TOKEN, @FILE or DIR/results.json#SUFFIX
  const absl::StatusOr<std::string> argument = ResolveTokenArgument(text);
  if (!argument.ok()) return UsageError(std::string(argument.status().message()));
  absl::StatusOr<ReplayToken> token = ReplayToken::Decode(*argument);
  if (!token.ok()) return UsageError(std::string(token.status().message()));
  absl::StatusOr<TrialSpec> found = TrialSpecFromToken(*token);
  if (!found.ok()) return UsageError(std::string(found.status().message()));
  const TrialSpec& spec = *found;
  const Program program = ProgramFor(spec);
  CatchStopSignals();
  if (times > 1) {
    fmt::print(stderr, "mapfault replay: {} / {} / {}, {} times (Ctrl-C stops and reports the "
               "replays so far)\n", token->backend, token->scenario, InvariantId(token->invariant),
               times);
  }
  int reproduced = 0, ran = 0, identical = 0;
  std::optional<uint64_t> digest;
  std::string first_report;
  for (; ran < times && !g_stop; ++ran) {
    const IsolatedOutcome outcome = RunTrialIsolated(spec, watchdog, &g_stop);
    if (outcome.kind == IsolatedOutcome::Kind::kInterrupted) break;
    bool hit = false;
    for (const Violation& v : outcome.AllViolations()) hit |= v.invariant == token->invariant;
    reproduced += hit;
    const uint64_t d = outcome.TraceDigest();
    if (!digest) digest = d;
    identical += d == *digest;
    if (ran == 0) first_report = FormatFailureReport(*token, program, outcome);
    if (outcome.diverged) {
      fmt::print("{}", first_report);
      return UsageError(absl::StrCat("the replay diverged from the recorded schedule: ",
                                     outcome.detail));
    }
  }
  fmt::print("{}", first_report);
  if (ran < times) fmt::print("\ninterrupted after {} of {} replays\n", ran, times);
  if (times > 1) {
    fmt::print("\nreproduced {}/{}\n", reproduced, ran);
    if (token->mode == ExecMode::kControlled) {
      fmt::print("identical traces: {}/{}\n", identical, ran);
    }
  } else if (ran == 1) {
    fmt::print("\n{}: {}\n", InvariantId(token->invariant),
               reproduced ? "reproduced" : "held in this replay (the trial now passes)");
  }
  if (reproduced > 0) return kExitBroken;
  return ran < times ? kExitPartial : kExitHolds;
}

// The `run` command's options, into `ro` (and `seed`, copied into ro.seed when given).
CLI::App* AddRunCommand(CLI::App& app, RunOptions& ro, uint64_t& seed) {
  CLI::App* run = app.add_subcommand("run", "Run scenarios against backends and report verdicts");
  run->add_option("--suite", ro.suite,
                  "Suite: default, quick, folklore, mutants, go (needs --plugin "
                  "libmapfault_go.so), a suite of a --file, or FILE.toml[:ID]");
  run->add_option("--file", ro.files, "Load scenarios and suites from a TOML file (repeatable)");
  run->add_option("--scenario", ro.scenarios, "Scenario id (repeatable; default: all)");
  run->add_option("--backend", ro.backends, "Backend id or 'all' (repeatable; default: all)");
  run->add_option("--strategy", ro.strategies,
                  absl::StrCat(StrategyHelp(), " (repeatable: each strategy is a set of cells)"));
  run->add_option("--mode", ro.mode, "auto | controlled | perturbed")
      ->check(CLI::IsMember({"auto", "controlled", "perturbed"}));
  run->add_option("--trials", ro.trials, "Trials per backend x scenario cell")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  run->add_option("--time-budget", ro.time_budget, "Stop starting trials after this many seconds")
      ->check(FiniteValidator() & CLI::NonNegativeNumber);
  run->add_option("--seed", seed, "Run seed (default: random, printed)")->check(SeedValidator());
  run->add_option("--jobs", ro.jobs, "Worker processes at once (default: CPU count)")
      ->check(CLI::Range(1, 256));
  run->add_option("--out", ro.out, "Directory for results.json and report.txt");
  run->add_option("--threads", ro.threads, "Override the scenarios' thread count")
      ->check(CLI::Range(1, kMaxCliThreads));
  run->add_option("--keys", ro.keys, "Override the key-space size")
      ->check(CLI::Range(1, kMaxKeys));
  run->add_option("--initial", ro.initial, "Override the initial entry count")
      ->check(CLI::Range(1, kMaxKeys));
  run->add_option("--ops", ro.ops, "Override operations per thread")
      ->check(CLI::Range(1, kMaxOps));
  run->add_option("--max-steps", ro.max_steps, "Livelock bound in scheduling steps")
      ->check(CLI::Range(kMinMaxSteps, kMaxMaxSteps));
  run->add_option("--max-schedules", ro.max_schedules,
                  "Exhaustive strategies: stop each program's search after this many schedules "
                  "(its coverage is then incomplete)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  AddWatchdogOption(run, ro.watchdog);
  run->add_flag("--no-progress", ro.no_progress, "Do not draw the progress line");
  run->add_flag("--preempt", ro.preempt,
                "Perturbed cells: pin each trial's threads to one CPU and preempt them with timer "
                "signals, also inside library code (same as a +preempt strategy suffix)");
  run->add_option("--memory-model", ro.memory_model,
                  "Controlled cells: which atomics synchronise. c11 (default): each operation's "
                  "memory_order (a relaxed store publishes nothing); sc: every atomic operation "
                  "is seq_cst (same as a +sc strategy suffix). docs/memory-model.md")
      ->check(CLI::IsMember({"sc", "c11"}));
  run->add_option("--latest-store", ro.latest_percent,
                  "Controlled cells under c11: the chance, in percent, that an atomic load that "
                  "may read older stores reads the latest one (default 50)")
      ->check(CLI::Range(0, 100));

  return run;  // then --plugin and --shard (CliMain)
}

// --plugin LIB.so on `command`: one library per occurrence, so that `--plugin P TOKEN` and
// `--plugin=P DIR` leave the positional argument to the command (a vector option would take
// every following word until the next flag).
void AddPluginOption(CLI::App* command, std::vector<std::string>& plugins) {
  command
      ->add_option("--plugin", plugins,
                   "Load backends from a plugin shared library (repeatable; one per --plugin)")
      ->allow_extra_args(false);
}

}  // namespace

const std::vector<std::string>& ListKinds() {
  static const std::vector<std::string> kinds = {"backends", "scenarios", "suites", "invariants",
                                                 "strategies"};
  return kinds;
}

int CliMain(int argc, char** argv) {
  CLI::App app{"mapfault: concurrency fault injection for concurrent maps"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  std::string list_what;
  bool list_json = false;
  CLI::App* list = app.add_subcommand("list", "List backends, scenarios, invariants, strategies");
  list->add_option("what", list_what, "backends | scenarios | suites | invariants | strategies");
  list->add_flag("--json", list_json, "Print JSON");
  std::vector<std::string> plugins;
  AddPluginOption(list, plugins);

  RunOptions ro;
  uint64_t seed = 0;
  CLI::App* run = AddRunCommand(app, ro, seed);
  AddPluginOption(run, plugins);
  run->add_option("--shard", ro.shard,
                  "Run shard I of N (I/N, 0-based); default from GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS");

  std::vector<std::string> merge_dirs;
  std::string merge_out = "mapfault-out";
  CLI::App* merge = app.add_subcommand("merge", "Combine the results of shards into one report set");
  merge->add_option("dirs", merge_dirs, "Result directories of the shards")->required();
  merge->add_option("--out", merge_out, "Directory for the merged reports");
  bool allow_partial = false;
  merge->add_flag("--allow-partial", allow_partial,
                  "Merge even with shards missing (the result is partial and lists them)");
  AddPluginOption(merge, plugins);

  std::string token_text;
  int times = 1;
  double replay_watchdog = 5;
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Re-run one trial from its token (its program and schedule; a nondeterministic backend may "
      "diverge)");
  replay->add_option("token", token_text,
                  "The token printed after `mapfault replay`, @FILE holding it, or "
                  "DIR/results.json#SUFFIX")
      ->required();
  AddPluginOption(replay, plugins);
  replay->add_option("--times", times, "Replay N times and print `reproduced K/N`")
      ->check(CLI::Range(1, kMaxKeys));
  AddWatchdogOption(replay, replay_watchdog);

  BenchBugsOptions bo;
  CLI::App* bench = AddBenchBugsCommand(app, bo);
  AddPluginOption(bench, plugins);
  CheckCommandOptions co;
  CLI::App* check = AddCheckCommands(app, co);
  AddPluginOption(check, plugins);
  ShrinkCommandOptions so;
  CLI::App* shrink = AddShrinkCommand(app, so);
  AddPluginOption(shrink, plugins);

  std::string shell;
  CLI::App* completion = nullptr;
  CLI::App* man = nullptr;
  AddDocsCommands(app, shell, &completion, &man);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    return UsageError(absl::StrCat(msg, "; run 'mapfault --help' for usage"));
  }
  // Plugins load in the supervisor, before any worker is forked: workers inherit them.
  if (!LoadPlugins(plugins)) return 2;
  if (*completion || *man) return RunDocsCommand(app, *completion);
  if (!ConfigureWorkerLimits()) return 2;
  if (*list) return RunList(list_what, list_json);
  if (*run) {
    if (run->get_option("--seed")->count() > 0) ro.seed = seed;
    ro.trials_set = run->get_option("--trials")->count() > 0;
    ro.strategy_set = run->get_option("--strategy")->count() > 0 || ro.preempt;
    ro.mode_set = run->get_option("--mode")->count() > 0;
    return RunRun(ro);
  }
  if (*replay) return RunReplay(token_text, times, replay_watchdog);
  if (*merge) return RunMerge(merge_dirs, merge_out, allow_partial);
  if (*bench) return RunBenchBugs(bo);
  if (*check) return RunCheck(co);
  if (*shrink) return RunShrink(so);
  return UsageError(
      "no command given; valid commands: list, run, replay, merge, bench-bugs, check, shrink, "
      "completion, man");
}

}  // namespace mapfault
