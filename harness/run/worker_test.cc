// Tests of the worker's time arithmetic: a watchdog is validated, and its conversion to
// nanoseconds saturates instead of overflowing into "every trial is hung".
#include "harness/run/worker.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/run/trial.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

TEST(WorkerTest, WatchdogValuesAreValidated) {
  EXPECT_EQ(WatchdogProblem(5), "");
  EXPECT_EQ(WatchdogProblem(kMaxWatchdogSeconds), "");
  for (double bad : {0.0, -1.0, 1e10, std::nan(""), std::numeric_limits<double>::infinity()}) {
    EXPECT_NE(WatchdogProblem(bad).find("--watchdog"), std::string::npos) << bad;
  }
}

// A worker leaves through ExitWorker: _exit with its status, after writing the profile in a
// MAPFAULT_PGO=generate build (elsewhere the weak __gcov_dump is null, and skipped).
TEST(WorkerTest, ExitWorkerEndsTheProcessWithItsStatus) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) worker_internal::ExitWorker(7);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST(WorkerTest, SecondsToNanosecondsSaturates) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(SecondsToNs(1.5), 1500000000);
  EXPECT_EQ(SecondsToNs(1e10), kMax);  // 1e19 ns: overflowed to a negative bound before
  EXPECT_EQ(SecondsToNs(std::nan("")), kMax);
  EXPECT_EQ(SecondsToNs(-3), 0);
  EXPECT_EQ(SaturatingAdd(kMax - 5, 10), kMax);
  EXPECT_EQ(SaturatingAdd(7, 10), 17);
}

// A coverage line's schedule hashes survive the trip through their frame, every bit of them (a
// word may hold newline bytes), however the pipe splits it; a malformed header is skipped whole.
TEST(WorkerTest, ScheduleHashesRoundTripThroughTheirFrameHoweverItIsSplit) {
  using worker_internal::AppendHashesFrame;
  using worker_internal::HashesFrame;
  using worker_internal::ReadHashesFrame;
  using Status = HashesFrame::Status;
  const std::vector<uint64_t> hashes = {
      0, 1, 0x0a0a0a0a0a0a0a0a, ~uint64_t{0}, 0x8000000000000000, 0x0123456789abcdef};
  std::string frame;
  AppendHashesFrame(frame, hashes.data(), hashes.size());
  EXPECT_EQ(frame.substr(0, 5), "#h 6\n");
  EXPECT_EQ(frame.size(), 5 + 6 * sizeof(uint64_t));
  const std::string stream = frame + "{\"done\":6}\n";
  for (size_t cut = 0; cut < frame.size(); ++cut) {
    if (cut < 3) continue;  // shorter than kHashesLine: the pool waits for more before it looks
    std::vector<uint64_t> none;
    const HashesFrame part = ReadHashesFrame(std::string_view(stream).substr(0, cut), none);
    EXPECT_EQ(part.status, Status::kIncomplete) << cut;
    EXPECT_TRUE(none.empty()) << cut;
  }
  std::vector<uint64_t> back = {42};
  const HashesFrame whole = ReadHashesFrame(stream, back);
  ASSERT_EQ(whole.status, Status::kComplete);
  EXPECT_EQ(whole.size, frame.size());
  back.erase(back.begin());
  EXPECT_EQ(back, hashes);
  for (const std::string bad : {"#h x\nrest", "#h \nrest", "#h 99999999\nrest", "#h -1\nrest"}) {
    std::vector<uint64_t> none;
    const HashesFrame f = ReadHashesFrame(bad, none);
    EXPECT_EQ(f.status, Status::kMalformed) << bad;
    EXPECT_EQ(f.size, bad.find('\n') + 1) << bad;
    EXPECT_TRUE(none.empty());
  }
}

// A worker's trial sets the watchdog's scale from the program it generated (the worker no longer
// generates it a second time for that): a program far longer than the default step bound gets as
// many watchdog periods as it needs, a small one gets one.
TEST(WorkerTest, ATrialSetsItsWorkersWatchdogScaleFromItsProgram) {
  worker_internal::WorkerSlot slot;
  slot.watchdog_scale.store(0);
  worker_internal::RestartWatchdogAtEachSchedule(&slot);
  TrialSpec spec;
  spec.backend = GlobalBackends().Find("mutex");
  spec.scenario = ScenarioRegistry::Builtin().Find("mixed-ops");
  spec.params = spec.scenario->defaults;
  spec.params.threads = 2;
  spec.params.ops = 8000;
  spec.seed = 3;
  const Program big = ProgramFor(spec);
  ASSERT_GT(WatchdogScale(big), 1u);  // the program needs more than one period
  (void)RunTrial(spec);
  EXPECT_EQ(slot.watchdog_scale.load(), WatchdogScale(big));
  spec.params.ops = 4;
  (void)RunTrial(spec);
  EXPECT_EQ(slot.watchdog_scale.load(), 1u);
  SetScheduleStartHook(nullptr);
  SetProgramReadyHook(nullptr);
}

}  // namespace
}  // namespace mapfault
