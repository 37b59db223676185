// Tests of crash stack symbolization on hand-made crash records: a frame in an object this
// process has loaded at the recorded address is symbolized in process, one in an object only the
// worker had (recorded at another load address) from the object's file by addr2line.
#include "harness/run/symbolize.h"

#include <link.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

[[gnu::noinline]] int SymbolizeTestMarker(int x) {
  asm volatile("" ::: "memory");
  return x * 3 + 1;
}

uintptr_t ExecutableBias() {
  uintptr_t bias = 0;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        *static_cast<uintptr_t*>(data) = info->dlpi_addr;  // the first object is the executable
        return 1;
      },
      &bias);
  return bias;
}

// A record of one frame inside SymbolizeTestMarker, in module `path` loaded at `bias` + `shift`.
void MakeRecord(CrashRecord& r, const std::string& path, uintptr_t shift) {
  const uintptr_t pc = reinterpret_cast<uintptr_t>(&SymbolizeTestMarker) + 4;
  r.signal = SIGSEGV;
  r.frame_count = 1;
  r.frames[0] = pc + shift;
  r.fault_pc = r.frames[0];
  r.module_count = 1;
  r.module_of[0] = 0;
  r.modules[0].bias = ExecutableBias() + shift;
  std::strncpy(r.modules[0].path, path.c_str(), CrashRecord::kPathBytes - 1);
  r.state.store(CrashRecord::kComplete);
}

TEST(SymbolizeTest, AFrameOfAnObjectLoadedHereIsSymbolizedInProcess) {
  CrashRecord r{};
  MakeRecord(r, "", 0);  // the executable, where the worker had it
  const std::vector<StackFrame> frames = SymbolizeCrash(r);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0].function.find("SymbolizeTestMarker"), std::string::npos);
  EXPECT_EQ(frames[0].file, "harness/run/symbolize_test.cc");
  EXPECT_GT(frames[0].line, 0);
  EXPECT_EQ(frames[0].module, "");
  const Stack s = CrashStack(r);
  EXPECT_EQ(s.title, "SIGSEGV (Segmentation fault) in the crashing thread");
}

TEST(SymbolizeTest, AFrameOfAnObjectOnlyTheWorkerLoadedIsSymbolizedFromItsFile) {
  char exe[PATH_MAX] = {};
  ASSERT_GT(readlink("/proc/self/exe", exe, sizeof exe - 1), 0);
  CrashRecord r{};
  MakeRecord(r, exe, 0x100000);  // "loaded" elsewhere: not this process's mapping
  const std::vector<StackFrame> frames = SymbolizeCrash(r);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0].function.find("SymbolizeTestMarker"), std::string::npos);
  EXPECT_EQ(frames[0].file, "harness/run/symbolize_test.cc");
  EXPECT_GT(frames[0].line, 0);
  EXPECT_EQ(frames[0].module, exe);
}

TEST(SymbolizeTest, AnIncompleteRecordHasNoStack) {
  CrashRecord r{};
  EXPECT_TRUE(SymbolizeCrash(r).empty());
  EXPECT_TRUE(CrashStack(r).frames.empty());
}

}  // namespace
}  // namespace mapfault
