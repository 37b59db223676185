// Reading ThreadSanitizer's data race report (a TSan build's worker prints it on stderr before it
// halts): the two racing accesses ("Write of size 8 at 0x... by thread T1:", "Previous read of size
// 8 at 0x... by thread T2:") and, when TSan names one, the racy heap block's allocation ("Location
// is heap block of size 64 at 0x... allocated by main thread:"), each with its frames, as stacks.
// Pure text processing: tested on a checked-in report in every build.
#ifndef MAPFAULT_HARNESS_RUN_TSAN_REPORT_H_
#define MAPFAULT_HARNESS_RUN_TSAN_REPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "harness/run/stack.h"

namespace mapfault {

// The access and allocation stacks of the last data race report in `text` (titles as TSan wrote
// them, without the colon; frames collapsed as CollapseHarnessFrames does; source paths relative
// to the source tree), in TSan's order. Empty when `text` has no such report. Thread-creation and
// mutex stacks are left out.
std::vector<Stack> ParseTsanRaceStacks(std::string_view text);

// One frame line of a TSan report ("    #3 Map::Find(long) /src/map.h:6:12 (mapfault+0x1f98)"),
// or false when `line` is not one.
bool ParseTsanFrame(std::string_view line, StackFrame& frame);

// The race in words from its stacks: "Read of size 8 by thread T2 in Map::Find(long) at
// maps/map.h:6, Previous write of size 8 by thread T1 in Map::Insert(long) at maps/map.h:5" (each
// access's top frame; addresses left out). "" when `stacks` has no access.
std::string RaceSummary(const std::vector<Stack>& stacks);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_TSAN_REPORT_H_
