// Trial identities: conversions between the resolved, named and printed forms.
#include "harness/run/identity.h"

namespace mapfault {

std::string_view MapfaultVersion() { return MAPFAULT_VERSION; }

std::string_view ExecModeName(ExecMode mode) {
  return mode == ExecMode::kPerturbed ? "perturbed" : "controlled";
}

std::string_view ReplayCheckName(ReplayCheck check) {
  switch (check) {
    case ReplayCheck::kNotChecked: return "not_checked";
    case ReplayCheck::kExact: return "exact";
    case ReplayCheck::kDiverged: return "diverged";
  }
  return "not_checked";
}

std::optional<ReplayCheck> ParseReplayCheck(std::string_view name) {
  for (ReplayCheck c : {ReplayCheck::kNotChecked, ReplayCheck::kExact, ReplayCheck::kDiverged}) {
    if (ReplayCheckName(c) == name) return c;
  }
  return std::nullopt;
}

NamedTrialIdentity NameOf(const TrialIdentity& identity) {
  NamedTrialIdentity n;
  n.mode = identity.mode;
  n.scenario = identity.scenario->id;
  n.params = identity.params;
  n.backend = identity.backend->id;
  n.strategy = identity.strategy;
  n.max_steps = identity.max_steps;
  return n;
}

CellLabel LabelOf(const TrialIdentity& identity) {
  CellLabel l;
  l.backend = identity.backend->id;
  l.scenario = identity.scenario->id;
  l.params = identity.params;
  l.mode = std::string(ExecModeName(identity.mode));
  l.strategy = identity.strategy.ToString();
  return l;
}

TrialIdentity ResolveIdentity(const NamedTrialIdentity& named, const BackendInfo& backend,
                              const Scenario& scenario) {
  TrialIdentity t;
  t.mode = named.mode;
  t.backend = &backend;
  t.scenario = &scenario;
  t.params = named.params;
  t.strategy = named.strategy;
  t.max_steps = named.max_steps;
  return t;
}

}  // namespace mapfault
