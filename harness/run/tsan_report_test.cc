// Tests of the ThreadSanitizer report parser, on a report TSan printed (tests/testdata), in every
// build: a TSan build is not needed to test the reading of its reports.
#include "harness/run/tsan_report.h"

#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "harness/run/worker.h"

namespace mapfault {
namespace {

std::string SampleReport() {
  std::ifstream in(std::string(MAPFAULT_GOLDEN_DIR) + "/../testdata/tsan_race_report.txt");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(TsanReportTest, ParsesBothAccessesAndTheAllocation) {
  const std::string report = SampleReport();
  ASSERT_FALSE(report.empty());
  const std::vector<Stack> stacks = ParseTsanRaceStacks(report);
  ASSERT_EQ(stacks.size(), 3u);  // the thread-creation stacks are left out
  EXPECT_EQ(stacks[0].title, "Read of size 8 at 0x7b1000000000 by thread T2");
  EXPECT_EQ(stacks[1].title, "Previous write of size 8 at 0x7b1000000000 by thread T1");
  EXPECT_EQ(stacks[2].title,
            "Location is heap block of size 64 at 0x7b1000000000 allocated by main thread");
  ASSERT_NE(TopFrame(stacks[0]), nullptr);
  EXPECT_EQ(TopFrame(stacks[0])->function, "Map::Find(long)");
  EXPECT_EQ(TopFrame(stacks[0])->file, "/tmp/st/tsan/race.cc");
  EXPECT_EQ(TopFrame(stacks[0])->line, 6);
  EXPECT_EQ(TopFrame(stacks[1])->function, "Map::Insert(long)");
  EXPECT_EQ(TopFrame(stacks[1])->line, 5);
  // std::thread's invocation plumbing is collapsed, the lambda is kept.
  ASSERT_GE(stacks[0].frames.size(), 3u);
  EXPECT_EQ(FrameText(stacks[0].frames[1]), "operator() at /tmp/st/tsan/race.cc:11");
  EXPECT_EQ(FrameText(stacks[0].frames[2]), "... 5 harness frames");
  EXPECT_EQ(FrameText(stacks[0].frames.back()), "?? in libstdc++.so.6");
  // The allocation: operator new (in TSan's runtime), then the vector's allocation, then the map.
  EXPECT_EQ(TopFrame(stacks[2])->function, "operator new(unsigned long)");
  EXPECT_EQ(stacks[2].frames.back().function, "main");
  EXPECT_EQ(RaceSummary(stacks),
            "Read of size 8 by thread T2 in Map::Find(long) at /tmp/st/tsan/race.cc:6, "
            "Previous write of size 8 by thread T1 in Map::Insert(long) at /tmp/st/tsan/race.cc:5");
}

TEST(TsanReportTest, ParsesFrameLines) {
  StackFrame f;
  ASSERT_TRUE(ParseTsanFrame("    #0 std::vector<int>::at(unsigned long) const /usr/include/c++/12/"
                             "bits/stl_vector.h:1130:9 (mapfault+0x1f98)", f));
  EXPECT_EQ(f.function, "std::vector<int>::at(unsigned long) const");
  EXPECT_EQ(f.file, "/usr/include/c++/12/bits/stl_vector.h");
  EXPECT_EQ(f.line, 1130);
  EXPECT_EQ(f.module, "");
  ASSERT_TRUE(ParseTsanFrame("    #7 <null> <null> (libstdc++.so.6+0xd44a2)", f));
  EXPECT_EQ(f.function, "");
  EXPECT_EQ(f.module, "libstdc++.so.6");
  ASSERT_TRUE(ParseTsanFrame("    #1 foo <null> (libgo.so+0x12)", f));
  EXPECT_EQ(f.function, "foo");
  EXPECT_FALSE(ParseTsanFrame("  Write of size 8 at 0x1 by thread T1:", f));
  EXPECT_FALSE(ParseTsanFrame("", f));
}

TEST(TsanReportTest, NoRaceReportNoStacks) {
  EXPECT_TRUE(ParseTsanRaceStacks("SUMMARY: AddressSanitizer: SEGV on unknown address\n").empty());
  EXPECT_TRUE(ParseTsanRaceStacks("").empty());
  // A report cut before its frames (a stderr tail) has no stacks, and no summary of accesses.
  const std::vector<Stack> cut = ParseTsanRaceStacks(
      "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 8 at 0x1 by thread T1:\n");
  EXPECT_TRUE(cut.empty());
  EXPECT_EQ(RaceSummary(cut), "");
}

TEST(TsanReportTest, TheDataRaceFindingCarriesBothStacksAndNamesBothTopFrames) {
  worker_internal::WorkerSlot slot{};
  const IsolatedOutcome o =
      worker_internal::ClassifyDeath(66 << 8, false, &slot, "noise\n" + SampleReport(), 5);
  EXPECT_EQ(o.kind, IsolatedOutcome::Kind::kDataRace);
  EXPECT_EQ(o.stacks.size(), 3u);
  EXPECT_EQ(o.detail,
            "ThreadSanitizer reported a data race: Read of size 8 by thread T2 in Map::Find(long) "
            "at /tmp/st/tsan/race.cc:6, Previous write of size 8 by thread T1 in "
            "Map::Insert(long) at /tmp/st/tsan/race.cc:5");
}

}  // namespace
}  // namespace mapfault
