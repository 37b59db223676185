// The failure report `mapfault replay` prints (after Lincheck's output): the scenario, each thread's
// operations with their results, the interleaving that led to the error as a step table with
// preemptions marked, and each violated invariant explained in words.
#ifndef MAPFAULT_REPORTS_FAILURE_REPORT_H_
#define MAPFAULT_REPORTS_FAILURE_REPORT_H_

#include <string>

#include "harness/run/supervisor.h"
#include "harness/run/token.h"
#include "scenarios/scenario.h"

namespace mapfault {

std::string FormatFailureReport(const ReplayToken& token, const Program& program,
                                const IsolatedOutcome& outcome);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_FAILURE_REPORT_H_
