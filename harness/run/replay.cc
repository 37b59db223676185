// Replay tokens back to trials.
#include "harness/run/replay.h"

#include <map>
#include <memory>
#include <string>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "harness/base/limits.h"

namespace mapfault {

absl::StatusOr<TrialSpec> TrialSpecFromToken(const ReplayToken& token,
                                             const BackendRegistry& registry) {
  const BackendInfo* backend = registry.Find(token.backend);
  if (backend == nullptr) {
    if (!token.plugin.empty()) {
      return absl::NotFoundError(absl::StrCat("the token's backend '", token.backend,
                                              "' comes from the plugin ", token.plugin,
                                              ": add --plugin PATH/", token.plugin));
    }
    return absl::NotFoundError(absl::StrCat("the token names backend '", token.backend,
                                            "', which this mapfault does not have; valid "
                                            "backends: ",
                                            registry.ValidIds()));
  }
  const Scenario* scenario = ScenarioRegistry::Builtin().Find(token.scenario);
  if (scenario == nullptr && token.program) {
    // A scenario from a user's file (or a shrunk program): the token carries the program, so only
    // the scenario's name is needed. Keep one placeholder per name for the process's lifetime.
    static auto* placeholders = new std::map<std::string, std::unique_ptr<Scenario>>();
    std::unique_ptr<Scenario>& s = (*placeholders)[token.scenario];
    if (!s) {
      s = std::make_unique<Scenario>();
      s->id = token.scenario;
      s->description = "(the program is carried in the replay token)";
      s->defaults = token.params;
      s->generate = [](const ScenarioParams&, Rng&) { return Program{}; };
    }
    scenario = s.get();
  }
  if (scenario == nullptr) {
    return absl::NotFoundError(absl::StrCat("the token names scenario '", token.scenario,
                                            "', which this mapfault does not have"));
  }
  // The scenario regenerates the program from the parameters: they must fit it.
  if (!token.program && (token.params.threads < scenario->min_threads ||
                         token.params.initial > token.params.keys)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed replay token: its parameters do not fit scenario '", token.scenario,
        "' (at least ", scenario->min_threads, " threads, initial <= keys); copy the whole token ",
        "exactly as printed after `mapfault replay`"));
  }
  if (token.mode == ExecMode::kPerturbed ? !backend->make_real : !backend->make_controlled) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backend '", token.backend, "' cannot run in ",
        token.mode == ExecMode::kPerturbed ? "perturbed" : "controlled", " mode"));
  }
  TrialSpec spec;
  spec.identity() = ResolveIdentity(token, *backend, *scenario);
  spec.seed = token.seed;
  spec.replay_choices = token.choices;
  spec.lenient_replay = token.lenient;
  // Without choices an exhaustive token replays its program's search, up to the first schedule
  // breaking the token's invariant (the one the run's search stopped at: no schedule before it
  // broke anything; the one the shrinker's bounded search found).
  if (spec.strategy.kind == StrategyKind::kExhaustive && !token.choices) {
    spec.search_target = token.invariant;
  }
  if (token.program) spec.program = std::make_shared<const Program>(*token.program);
  return spec;
}

absl::StatusOr<std::string> TokenArgument(const std::string& arg) {
  if (arg.empty() || arg[0] != '@') return arg;
  const std::string path = arg.substr(1);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read the token file '", path, "'; give @FILE with a file holding one token"));
  }
  std::string text(kMaxTokenFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxTokenFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the token file '", path, "' is larger than ", kMaxTokenFileBytes >> 20,
                     " MiB; give @FILE with a file holding one token"));
  }
  return std::string(absl::StripAsciiWhitespace(text));
}

}  // namespace mapfault
