// The run plan: from what the user asked for (a suite, backends, scenarios, strategy, mode and
// parameters) to the cells a run executes. Used by the CLI, the gtest API, bench-bugs and the tests.
#ifndef MAPFAULT_HARNESS_RUN_PLAN_H_
#define MAPFAULT_HARNESS_RUN_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/engine/backend.h"
#include "scenarios/scenario_file.h"

namespace mapfault {

// The backend ids `suite` names, against `registry` (after plugins are loaded): "all" is every
// listed backend, "PREFIX*" every listed backend whose id starts with PREFIX, any other entry an id
// the registry must know (listed or not). In the suite's order, each id once. An unknown id or a
// pattern that matches nothing is an error "FILE:LINE:COLUMN: ..." at the entry.
absl::StatusOr<std::vector<std::string>> ResolveSuiteBackends(const SuiteSpec& suite,
                                                              const BackendRegistry& registry);
}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_PLAN_H_
