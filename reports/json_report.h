// results.json: the machine-readable run report (schema documented in docs/cli.md).
#ifndef MAPFAULT_REPORTS_JSON_REPORT_H_
#define MAPFAULT_REPORTS_JSON_REPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "harness/run/verdict.h"
#include "nlohmann/json.hpp"

namespace mapfault {

inline constexpr int kResultsSchemaVersion = 1;

// {"threads": .., "keys": .., "initial": .., "ops": ..}
nlohmann::json ParamsToJson(const ScenarioParams& params);
nlohmann::json ResultsToJson(const RunResults& results);
// Reads what ResultsToJson wrote; InvalidArgument (naming the problem) for anything else.
absl::StatusOr<RunResults> ResultsFromJson(const nlohmann::json& j);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_JSON_REPORT_H_
