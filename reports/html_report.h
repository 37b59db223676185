// A self-contained HTML report of a run (inline CSS and a little inline JavaScript; nothing is
// fetched): a header with the run's seed and verdict counts, the matrix as a heat map, a chart of
// trials-to-first-failure per strategy, and one expandable section per finding with its replay
// command and, when the CLI replayed it, the interleaving that broke the invariant.
#ifndef MAPFAULT_REPORTS_HTML_REPORT_H_
#define MAPFAULT_REPORTS_HTML_REPORT_H_

#include <string>
#include <vector>

#include "harness/run/verdict.h"
#include "reports/report_detail.h"

namespace mapfault {

// `details` are matched to findings by token; a finding without one shows its explanation,
// evidence and replay command only.
std::string FormatHtmlReport(const RunResults& results, const std::vector<BreakDetail>& details);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_HTML_REPORT_H_
