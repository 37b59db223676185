// Symbolizing a crashed worker's raw stack (CrashRecord, engine/crash_capture.h) in the supervisor.
// A worker is forked from the supervisor, so a frame in a module the supervisor has loaded at the
// same address (the executable, its libraries, plugins loaded in the supervisor) is symbolized
// with Boost.Stacktrace's libbacktrace backend (function, file, line), in a child forked from this
// process at the first crash it symbolizes (same address space layout) that serves it for the rest
// of its life: the supervisor itself does not keep libbacktrace's thousands of mappings of debug
// information, which every later fork of a worker would copy. A frame in a module
// only the worker loaded (a plugin loaded in workers, e.g. the Go plugin) is symbolized from the
// module's file and the frame's offset in it, by `addr2line` (binutils). Single-threaded: the
// supervisor's.
#ifndef MAPFAULT_HARNESS_RUN_SYMBOLIZE_H_
#define MAPFAULT_HARNESS_RUN_SYMBOLIZE_H_

#include <vector>

#include "harness/engine/crash_capture.h"
#include "harness/run/stack.h"
#include "harness/run/worker.h"

namespace mapfault {

// The crashing thread's frames from the interrupted instruction outwards (the handler's own frames
// dropped), symbolized, not collapsed. Empty when the record is not complete.
std::vector<StackFrame> SymbolizeCrash(const CrashRecord& record);

// The finding's stack for a complete record: titled "<signal> in the crashing thread", collapsed
// (CollapseHarnessFrames). Empty (no frames) when the record is not complete.
Stack CrashStack(const CrashRecord& record);

// Adds CrashStack(record) to `outcome`'s stacks when the record is complete. Called for the deaths
// that become findings (symbolizing costs milliseconds; a cell may see hundreds of deaths).
void AddCrashStack(const CrashRecord& record, IsolatedOutcome& outcome);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_SYMBOLIZE_H_
