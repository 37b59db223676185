// Symbolized stacks a finding carries: the crashing thread's stack when a worker died by a signal,
// and ThreadSanitizer's two racing accesses (and the racy memory's allocation) in a TSan build.
// Frames of the harness's own machinery (fibers, the scheduler's switch, signal delivery) and runs
// of C library frames are collapsed into one entry, so the first frame shown is the code that
// crashed or raced.
#ifndef MAPFAULT_HARNESS_RUN_STACK_H_
#define MAPFAULT_HARNESS_RUN_STACK_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mapfault {

// One frame: its function (demangled), source file and line (file "" and line 0 when the module has
// no debug information), and the module it is in when that is not the mapfault executable.
// A collapsed entry stands for `collapsed` consecutive frames of the kind `what` ("harness",
// "C library"), `function` then naming them when they are few and familiar ("raise, abort").
struct StackFrame {
  std::string function;
  std::string file;
  int line = 0;
  std::string module;
  int collapsed = 0;
  std::string what;

  bool operator==(const StackFrame&) const = default;
};

// A stack with what it is the stack of ("SIGSEGV in the crashing thread", "Write of size 8 at
// 0x7b04... by thread T1").
struct Stack {
  std::string title;
  std::vector<StackFrame> frames;

  bool operator==(const Stack&) const = default;
};

// `frames` (innermost first) with each run of harness machinery or C library frames replaced by
// one collapsed entry. A frame is harness machinery when its function or source file matches the
// table in stack.cc (boost::context, the scheduler, std::function's and std::thread's invocation,
// signal trampolines), C library when its module is libc.
std::vector<StackFrame> CollapseHarnessFrames(const std::vector<StackFrame>& frames);

// "Map::Erase(int) at maps/map.h:42", "... 5 harness frames", "... 2 C library frames (raise,
// abort)", "foo in libbar.so".
std::string FrameText(const StackFrame& frame);

// The stack as text lines: "<title>:", then one indented line per entry (FrameText). With
// `max_frames` > 0 only that many frames that are not collapsed are shown, then "... N more
// frames (<where_rest>)" for the rest.
std::vector<std::string> StackLines(const Stack& stack, size_t max_frames = 0,
                                    std::string_view where_rest = "");

// The first frame that is not collapsed; nullptr when there is none.
const StackFrame* TopFrame(const Stack& stack);

// `path` relative to mapfault's source tree when it lies in it (as the build saw it), else as is.
std::string SourceRelativePath(const std::string& path);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_STACK_H_
