// A Markdown summary of a run (for a CI job summary or a pull-request comment): the run's seed and
// duration, verdict counts, the matrix as a table and one bullet per finding with its replay
// command.
#ifndef MAPFAULT_REPORTS_MARKDOWN_REPORT_H_
#define MAPFAULT_REPORTS_MARKDOWN_REPORT_H_

#include <string>

#include "harness/run/verdict.h"

namespace mapfault {

std::string FormatMarkdownReport(const RunResults& results);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_MARKDOWN_REPORT_H_
