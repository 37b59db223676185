// results.json: the machine-readable run report (schema documented in docs/cli.md).
#ifndef MAPFAULT_REPORTS_JSON_REPORT_H_
#define MAPFAULT_REPORTS_JSON_REPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "harness/run/verdict.h"
#include "nlohmann/json.hpp"

namespace mapfault {

// Raised only by a change an older reader would misread (a field removed or given a new meaning);
// new fields do not raise it, and readers ignore fields they do not know (docs/cli.md).
inline constexpr int kResultsSchemaVersion = 1;

// {"threads": .., "keys": .., "initial": .., "ops": ..}
nlohmann::json ParamsToJson(const ScenarioParams& params);
// A cell's phase_seconds object: one number of seconds per phase, named by PhaseName.
nlohmann::json PhaseSecondsToJson(const PhaseSeconds& phases);
// A cell's `coverage` object (docs/cli.md#results-json).
nlohmann::json CoverageToJson(const CellResult& cell);
nlohmann::json ResultsToJson(const RunResults& results);
// Reads what ResultsToJson wrote, validating every field (types, ranges, counts against each other,
// verdicts against their counts); InvalidArgument naming the result index and the field otherwise.
absl::StatusOr<RunResults> ResultsFromJson(const nlohmann::json& j);
// Reads and validates the file `path` (a results.json); the error names the file.
absl::StatusOr<RunResults> ReadResultsFile(const std::string& path);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_JSON_REPORT_H_
