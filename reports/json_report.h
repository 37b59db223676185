// results.json: the machine-readable run report (schema documented in the README).
#ifndef MAPFAULT_REPORTS_JSON_REPORT_H_
#define MAPFAULT_REPORTS_JSON_REPORT_H_

#include <string>

#include "harness/verdict.h"
#include "nlohmann/json.hpp"

namespace mapfault {

inline constexpr int kResultsSchemaVersion = 1;

nlohmann::json ResultsToJson(const RunResults& results);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_JSON_REPORT_H_
