// The stall clock: parsing /proc/pressure, the stall over a span, and the watchdog that does not
// count it.
#include "harness/run/stall_clock.h"

#include <optional>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(StallClockTest, ParsesTheTotalOfTheAskedLine) {
  const char* text =
      "some avg10=0.16 avg60=0.22 avg300=0.13 total=68516899\n"
      "full avg10=0.13 avg60=0.20 avg300=0.11 total=37664806\n";
  EXPECT_EQ(ParsePressureTotal(text, "some"), 68516899);
  EXPECT_EQ(ParsePressureTotal(text, "full"), 37664806);
  EXPECT_EQ(ParsePressureTotal(text, "none"), std::nullopt);
  EXPECT_EQ(ParsePressureTotal("some avg10=1.0 total=x\n", "some"), std::nullopt);
  EXPECT_EQ(ParsePressureTotal("some avg10=1.0 total=-5\n", "some"), std::nullopt);
  EXPECT_EQ(ParsePressureTotal("", "some"), std::nullopt);
}

// A scripted machine: the stall source returns *stalled.
struct Scripted {
  int64_t stalled = 0;
  StallClock clock{[this] { return std::optional<int64_t>(stalled); }};
};

TEST(StallClockTest, StallSinceATimeIsMeasuredFromTheSampleAtOrBeforeIt) {
  Scripted m;
  m.clock.Sample(0);
  m.stalled = 40 * kMs;  // the machine stalls 40 ms between 0 and 100 ms
  m.clock.Sample(100 * kMs);
  m.stalled = 50 * kMs;
  m.clock.Sample(200 * kMs);
  EXPECT_EQ(m.clock.StalledSince(0), 50 * kMs);
  EXPECT_EQ(m.clock.StalledSince(150 * kMs), 10 * kMs);  // from the 100 ms sample: an upper bound
  EXPECT_EQ(m.clock.StalledSince(200 * kMs), 0);
  EXPECT_EQ(m.clock.StalledSince(-5 * kMs), 50 * kMs);  // before every sample: the oldest
}

TEST(StallClockTest, SamplesCloserThanTheSamplingPeriodAreSkipped) {
  Scripted m;
  m.clock.Sample(0);
  m.stalled = 7 * kMs;
  m.clock.Sample(StallClock::kSampleEveryNs - 1);  // too soon: not read
  EXPECT_EQ(m.clock.StalledSince(0), 0);
  m.clock.Sample(StallClock::kSampleEveryNs);
  EXPECT_EQ(m.clock.StalledSince(0), 7 * kMs);
}

TEST(StallClockTest, WithoutPressureInformationNothingIsSubtracted) {
  StallClock clock([] { return std::optional<int64_t>(); });
  clock.Sample(0);
  clock.Sample(100 * kMs);
  EXPECT_EQ(clock.StalledSince(0), 0);
}

TEST(StallClockTest, TheWatchdogDoesNotCountTheStallUpToItsCap) {
  const int64_t allowed = 1000 * kMs;
  EXPECT_FALSE(WatchdogExpired(1000 * kMs, 0, allowed, 0));
  EXPECT_TRUE(WatchdogExpired(1001 * kMs, 0, allowed, 0));
  // 600 ms of the 1.5 s the machine stalled: the trial ran 0.9 s of its 1 s.
  EXPECT_FALSE(WatchdogExpired(1500 * kMs, 0, allowed, 600 * kMs));
  EXPECT_TRUE(WatchdogExpired(1700 * kMs, 0, allowed, 600 * kMs));
  // A machine stalled all the time still kills a hang, after (1 + cap) x the limit.
  const int64_t cap_end = static_cast<int64_t>((1 + kMaxStallExtension) * 1000) * kMs;
  EXPECT_FALSE(WatchdogExpired(cap_end, 0, allowed, cap_end));
  EXPECT_TRUE(WatchdogExpired(cap_end + 1, 0, allowed, cap_end + 1));
  // An unlimited watchdog never expires.
  EXPECT_FALSE(WatchdogExpired(INT64_MAX, 0, INT64_MAX, INT64_MAX));
}

}  // namespace
}  // namespace mapfault
