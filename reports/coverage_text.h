// What a cell's verdicts cover, in words, for every report: "every schedule with <= 2 preemptions
// of 50 programs, 41,312 schedules" (exhaustive) or "10,000 sampled trials, 9,412 distinct
// schedules" (sampled), and the cell's overall verdict it qualifies ("HOLDS", "BROKEN", ...).
#ifndef MAPFAULT_REPORTS_COVERAGE_TEXT_H_
#define MAPFAULT_REPORTS_COVERAGE_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/run/verdict.h"

namespace mapfault {

// "41,312".
std::string GroupThousands(uint64_t n);
// The cell's coverage in words (docs/cli.md#coverage).
std::string CoverageText(const CellResult& cell);
// The cell's verdict over its invariants: BROKEN over DETECTED over OUT_OF_CONTRACT over HOLDS
// over NOT_RUN.
std::string_view CellVerdictName(const CellResult& cell);
// "HOLDS: 400 sampled trials, 398 distinct schedules".
std::string CellCoverageLine(const CellResult& cell);

}  // namespace mapfault

#endif  // MAPFAULT_REPORTS_COVERAGE_TEXT_H_
