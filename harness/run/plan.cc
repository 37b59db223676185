// The run plan: suite backends, modes, parameter overrides, scenario lookup and cells.
#include "harness/run/plan.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "harness/strategies/strategy_table.h"

namespace mapfault {

absl::StatusOr<std::vector<std::string>> ResolveSuiteBackends(const SuiteSpec& suite,
                                                              const BackendRegistry& registry) {
  std::vector<std::string> ids;
  auto add = [&ids](const std::string& id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  for (size_t i = 0; i < suite.backends.size(); ++i) {
    const std::string& entry = suite.backends[i];
    const std::string where =
        i < suite.backend_sources.size() ? suite.backend_sources[i] : suite.path;
    if (entry == "all" || (!entry.empty() && entry.back() == '*')) {
      const std::string_view prefix = std::string_view(entry).substr(0, entry.size() - 1);
      bool matched = false;
      for (const BackendInfo* b : registry.Listed()) {
        if (entry == "all" || b->id.rfind(prefix, 0) == 0) {
          add(b->id);
          matched = true;
        }
      }
      if (!matched && !suite.plugin.empty()) return PluginMissingError(suite, entry);
      if (!matched) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": backend pattern '", entry,
                "' matches no backend; valid backends: ", registry.ValidIds()));
      }
    } else if (registry.Find(entry) != nullptr) {
      add(entry);
    } else if (!suite.plugin.empty()) {
      return PluginMissingError(suite, entry);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown backend '", entry,
                                            "'; valid backends: ", registry.ValidIds(),
                                            ", all, or a prefix ending in '*'"));
    }
  }
  return ids;
}

absl::Status PluginMissingError(const SuiteSpec& suite, std::string_view id) {
  return absl::InvalidArgumentError(absl::StrCat("suite '", suite.id, "' runs a plugin's backends",
                                                 " ('", std::string(id), "' is not loaded): ",
                                                 "pass --plugin ", suite.plugin));
}

std::optional<ExecMode> ModeFor(const BackendInfo& backend, const std::string& mode) {
  if (mode == "controlled") {
    if (!backend.make_controlled) return std::nullopt;
    return ExecMode::kControlled;
  }
  if (mode == "perturbed") {
    if (!backend.make_real) return std::nullopt;
    return ExecMode::kPerturbed;
  }
  return backend.make_controlled ? ExecMode::kControlled : ExecMode::kPerturbed;
}

namespace {

// The built-in scenarios whose program always has one thread.
constexpr std::string_view kSingleThreadScenarios[] = {"range-erase-same-thread",
                                                       "range-insert-same-thread"};
bool SingleThreadScenario(const Scenario& s) {
  return std::find(std::begin(kSingleThreadScenarios), std::end(kSingleThreadScenarios), s.id) !=
         std::end(kSingleThreadScenarios);
}

}  // namespace

absl::StatusOr<ScenarioParams> ApplyOverrides(const Scenario& scenario, ScenarioParams params,
                                              const ParamOverrides& overrides,
                                              ThreadOverrideRule rule) {
  const bool fixed = IsFixedProgram(scenario);  // a file's fixed program ignores parameters
  const bool strict = rule == ThreadOverrideRule::kStrict;
  if (!fixed && overrides.threads > 0) {
    const bool fits = strict ? !SingleThreadScenario(scenario)
                             : scenario.min_threads <= overrides.threads;
    if (fits) params.threads = overrides.threads;
  }
  if (!fixed && overrides.keys > 0) params.keys = overrides.keys;
  if (!fixed && overrides.initial > 0) params.initial = overrides.initial;
  if (!fixed && overrides.ops > 0) params.ops = overrides.ops;
  if (strict && params.threads < scenario.min_threads) {
    return absl::InvalidArgumentError(
        absl::StrCat("scenario '", scenario.id, "' needs --threads >= ", scenario.min_threads));
  }
  if (!fixed && params.initial > params.keys) {
    return absl::InvalidArgumentError(absl::StrCat("--initial (", params.initial,
                                                   ") cannot exceed --keys (", params.keys, ")"));
  }
  return params;
}

absl::StatusOr<std::vector<const Scenario*>> ScenarioSource::Resolve(
    const std::vector<std::string>& ids) const {
  std::vector<const Scenario*> out;
  if (ids.empty()) {
    for (const Scenario& s : builtins->All()) out.push_back(&s);
    return out;
  }
  for (const std::string& id : ids) {
    const Scenario* s = suite_file != nullptr ? FindSuiteScenario(id, *suite_file, *builtins)
                                              : nullptr;
    for (size_t i = 0; s == nullptr && i < files.size(); ++i) s = files[i]->FindScenario(id);
    if (s == nullptr) s = builtins->Find(id);
    if (s == nullptr) {
      std::string extra;
      for (const ScenarioFile* f : files) {
        for (const Scenario& fs : f->scenarios) absl::StrAppend(&extra, ", ", fs.id);
      }
      return absl::InvalidArgumentError(absl::StrCat("unknown scenario '", id,
                                                     "'; valid scenarios: ", builtins->ValidIds(),
                                                     extra));
    }
    out.push_back(s);
  }
  return out;
}

namespace {

// The error for backend `id`, which cannot run in the forced mode: it names the real problem, a
// strategy that does not drive that mode, or the suite that chose the backend.
absl::Status ModeMismatch(const PlanRequest& request, const std::string& id) {
  const StrategyRow& row = StrategyRowOf(request.strategy.kind);
  if (request.mode == "controlled" && !row.Drives(ExecMode::kControlled)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "strategy '", std::string(row.name),
        "' drives perturbed mode (real threads) only, and --mode controlled was asked for; use ",
        "--mode perturbed or auto, or a controlled strategy (random, pct, portfolio)"));
  }
  if (!request.backends_from.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        request.backends_from, " includes backend '", id, "', which cannot run in ", request.mode,
        " mode; use --mode auto, or choose backends with --backend"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("backend '", id, "' cannot run in ", request.mode, " mode; use --mode auto"));
}

// The backends `request` names, each checked against the forced mode.
absl::StatusOr<std::vector<const BackendInfo*>> ChooseBackends(const PlanRequest& request,
                                                               const BackendRegistry& registry) {
  const std::vector<std::string>& ids = request.backends;
  if (ids.empty() || std::find(ids.begin(), ids.end(), "all") != ids.end()) {
    return registry.Listed();
  }
  std::vector<const BackendInfo*> out;
  for (const std::string& id : ids) {
    const BackendInfo* b = registry.Find(id);
    if (b == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown backend '", id, "'; valid backends: ", registry.ValidIds(), ", all"));
    }
    if (!ModeFor(*b, request.mode)) return ModeMismatch(request, id);
    out.push_back(b);
  }
  return out;
}

}  // namespace

CellSpec MakeCell(ExecMode mode, const BackendInfo& backend, const Scenario& scenario,
                  const ScenarioParams& params, const StrategySpec& strategy, uint64_t trials) {
  CellSpec cell;
  cell.mode = mode;
  cell.backend = &backend;
  cell.scenario = &scenario;
  cell.params = params;
  cell.strategy = strategy;
  cell.trials = trials;
  return cell;
}

absl::StatusOr<RunPlan> PlanRun(const PlanRequest& request, const BackendRegistry& registry,
                                const ScenarioSource& scenarios) {
  absl::StatusOr<std::vector<const BackendInfo*>> backends = ChooseBackends(request, registry);
  if (!backends.ok()) return backends.status();
  absl::StatusOr<std::vector<const Scenario*>> chosen = scenarios.Resolve(request.scenarios);
  if (!chosen.ok()) return chosen.status();
  RunPlan plan;
  plan.backends = backends->size();
  plan.scenarios = chosen->size();
  for (const BackendInfo* b : *backends) {
    const std::optional<ExecMode> mode = ModeFor(*b, request.mode);
    if (!mode) continue;  // `all` with a forced mode: skip backends without it
    for (const Scenario* s : *chosen) {
      // A backend whose contract forbids visitor writes is not given such scenarios.
      if (s->visitor_writes && !b->visitor_writes) {
        plan.skipped.push_back({b, s});
        continue;
      }
      absl::StatusOr<ScenarioParams> params =
          ApplyOverrides(*s, s->DefaultsFor(*mode == ExecMode::kPerturbed), request.overrides,
                         request.thread_rule);
      if (!params.ok()) return params.status();
      CellSpec cell = MakeCell(*mode, *b, *s, *params, request.strategy, request.trials);
      cell.max_steps = request.max_steps;
      cell.checked = request.checked;
      cell.strategy.race_detection = request.checked.Contains(Invariant::kNoDataRace);
      plan.cells.push_back(cell);
    }
  }
  if (plan.cells.empty() && !plan.skipped.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scenario '", plan.skipped.front().second->id, "' has visitor writes, which backend '",
        plan.skipped.front().first->id,
        "' does not allow (its contract); choose a backend that does, e.g. versioned_cas"));
  }
  if (plan.cells.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no chosen backend can run in ", request.mode,
                                                   " mode; use --mode auto or choose other backends"));
  }
  return plan;
}

}  // namespace mapfault
