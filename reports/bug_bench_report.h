// Reports of the bug-finding benchmark: a Markdown table (one row per backend x scenario x strategy,
// then one summary line per bug: its best strategy and how it compares with the stronger of the two
// plain real-thread baselines, perturbed `stress` and the hand-written `reference-loop`, and with
// sleep noise; the bounded-exhaustive rows in a table of their own: programs, schedules and time to
// the first failure and its preemptions) and a JSON document with every repetition. The
// certification benchmark (`bench-bugs --certify N`) has a table and a JSON document too.
#ifndef MAPFAULT_REPORTS_BUG_BENCH_REPORT_H_
#define MAPFAULT_REPORTS_BUG_BENCH_REPORT_H_

#include <string>

#include "harness/run/bug_bench.h"
#include "harness/run/certify_bench.h"
#include "nlohmann/json.hpp"

namespace mapfault {

std::string FormatBugBenchMarkdown(const BugBenchResults& results);
nlohmann::json BugBenchToJson(const BugBenchResults& results);
std::string FormatCertifyMarkdown(const CertifyBenchResults& results);
nlohmann::json CertifyToJson(const CertifyBenchResults& results);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_BUG_BENCH_REPORT_H_
