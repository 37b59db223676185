// Reports of the bug-finding benchmark: a Markdown table (one row per backend x scenario x strategy,
// then one summary line per bug: its best strategy and how it compares with the stronger of the two
// plain real-thread baselines, perturbed `stress` and the hand-written `reference-loop`, and with
// sleep noise) and a JSON document with every repetition.
#ifndef MAPFAULT_REPORTS_BUG_BENCH_REPORT_H_
#define MAPFAULT_REPORTS_BUG_BENCH_REPORT_H_

#include <string>

#include "harness/run/bug_bench.h"
#include "nlohmann/json.hpp"

namespace mapfault {

std::string FormatBugBenchMarkdown(const BugBenchResults& results);
nlohmann::json BugBenchToJson(const BugBenchResults& results);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_BUG_BENCH_REPORT_H_
