// JUnit XML for CI systems: one <testsuite> per backend, one <testcase> per backend x scenario x
// invariant. A BROKEN claim is a <failure> carrying its explanation, evidence and replay command;
// OUT_OF_CONTRACT and DETECTED findings pass (with the finding in <system-out>); NOT_RUN is
// skipped.
#ifndef MAPFAULT_REPORTS_JUNIT_REPORT_H_
#define MAPFAULT_REPORTS_JUNIT_REPORT_H_

#include <string>

#include "harness/run/verdict.h"

namespace mapfault {

std::string FormatJUnitReport(const RunResults& results);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_JUNIT_REPORT_H_
