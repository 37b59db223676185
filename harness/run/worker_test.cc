// Tests of the worker's time arithmetic: a watchdog is validated, and its conversion to
// nanoseconds saturates instead of overflowing into "every trial is hung".
#include "harness/run/worker.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

TEST(WorkerTest, WatchdogValuesAreValidated) {
  EXPECT_EQ(WatchdogProblem(5), "");
  EXPECT_EQ(WatchdogProblem(kMaxWatchdogSeconds), "");
  for (double bad : {0.0, -1.0, 1e10, std::nan(""), std::numeric_limits<double>::infinity()}) {
    EXPECT_NE(WatchdogProblem(bad).find("--watchdog"), std::string::npos) << bad;
  }
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

}  // namespace
}  // namespace mapfault
