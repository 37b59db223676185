// Tests of stack collapsing and printing.
#include "harness/run/stack.h"

#include "gtest/gtest.h"

namespace mapfault {
namespace {

StackFrame Frame(std::string function, std::string file = "", int line = 0,
                 std::string module = "") {
  StackFrame f;
  f.function = std::move(function);
  f.file = std::move(file);
  f.line = line;
  f.module = std::move(module);
  return f;
}

TEST(StackTest, CollapsesRunsOfHarnessAndCLibraryFrames) {
  const std::string libc = "/lib/x86_64-linux-gnu/libc.so.6";
  const std::vector<StackFrame> frames = {
      Frame("__pthread_kill_implementation", "", 0, libc),
      Frame("raise", "", 0, libc),
      Frame("Map::Erase(int)", "maps/map.h", 42),
      Frame("mapfault::RunOp()", "harness/run/trial.cc", 7),
      Frame("std::_Function_handler<void ()>::_M_invoke()", "/usr/include/c++/12/std_function.h"),
      Frame("mapfault::Scheduler::MakeFiber(int)::{lambda()#1}::operator()()"),
      // The fiber's entry (uninstrumented under TSan: its own file).
      Frame("operator()", "harness/engine/fiber_entry.cc", 30),
      Frame("boost::context::detail::fiber_entry<...>(boost::context::detail::transfer_t)"),
  };
  const std::vector<StackFrame> c = CollapseHarnessFrames(frames);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(FrameText(c[0]), "... 2 C library frames (__pthread_kill_implementation, raise)");
  EXPECT_EQ(FrameText(c[1]), "Map::Erase(int) at maps/map.h:42");
  EXPECT_EQ(FrameText(c[2]), "mapfault::RunOp() at harness/run/trial.cc:7");
  EXPECT_EQ(FrameText(c[3]), "... 4 harness frames");
  EXPECT_EQ(c[3].collapsed, 4);
  EXPECT_EQ(c[3].what, "harness");
  Stack s{"t", c};
  ASSERT_NE(TopFrame(s), nullptr);
  EXPECT_EQ(TopFrame(s)->function, "Map::Erase(int)");
}

TEST(StackTest, PrintsWhatIsKnownOfAFrame) {
  EXPECT_EQ(FrameText(Frame("f()", "a.cc", 3)), "f() at a.cc:3");
  EXPECT_EQ(FrameText(Frame("f()", "a.cc")), "f() at a.cc");
  EXPECT_EQ(FrameText(Frame("", "", 0, "/opt/libgo.so")), "?? in libgo.so");
  StackFrame one;
  one.collapsed = 1;
  one.what = "harness";
  EXPECT_EQ(FrameText(one), "... 1 harness frame");
  EXPECT_EQ(TopFrame(Stack{"t", {one}}), nullptr);
}

TEST(StackTest, SourcePathsAreRelativeToTheSourceTree) {
  EXPECT_EQ(SourceRelativePath("/usr/include/c++/12/bits/hashtable.h"),
            "/usr/include/c++/12/bits/hashtable.h");
  EXPECT_EQ(SourceRelativePath(__FILE__), "harness/run/stack_test.cc");  // an absolute path
}

}  // namespace
}  // namespace mapfault
