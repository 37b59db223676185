// ResumeFiber: the same switch as Boost's resume() (values live across it survive, fibers resumed
// either way interoperate, a finished fiber hands back an empty context, exceptions unwind through
// a frame that switched).
#include "harness/engine/fiber_resume.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/context/fiber.hpp>
#include <gtest/gtest.h>

namespace mapfault {
namespace {

namespace ctx = boost::context;

TEST(FiberResumeTest, BalancedOnThisPlatform) {
  // Debian 12 amd64 is what CI builds; the fallback is Boost's resume() and would pass the rest.
#if defined(__x86_64__) && defined(__linux__)
  EXPECT_EQ(MAPFAULT_BALANCED_FIBER_RESUME, 1);
#endif
}

// Main and a fiber switch 1,000 times each way; integers and doubles computed before each switch
// are compared after it, on both sides, while the other side computes its own.
TEST(FiberResumeTest, PingPongKeepsLiveValues) {
  constexpr int kRounds = 1000;
  int fiber_rounds = 0;
  ctx::fiber fiber([&](ctx::fiber&& main) {
    for (int i = 0; i < kRounds; ++i) {
      const int64_t a = i * 7919;
      const double x = std::sqrt(static_cast<double>(i) + 0.5);
      const std::string s = std::to_string(i);
      main = ResumeFiber(main);
      EXPECT_EQ(a, i * 7919);
      EXPECT_EQ(x, std::sqrt(static_cast<double>(i) + 0.5));
      EXPECT_EQ(s, std::to_string(i));
      ++fiber_rounds;
    }
    return std::move(main);
  });
  for (int i = 0; i < kRounds; ++i) {
    const int64_t b = -i * 104729;
    const double y = std::cbrt(static_cast<double>(i) * 3.0);
    fiber = ResumeFiber(fiber);
    ASSERT_TRUE(fiber) << "the fiber ended early at round " << i;
    EXPECT_EQ(b, -i * 104729);
    EXPECT_EQ(y, std::cbrt(static_cast<double>(i) * 3.0));
    EXPECT_EQ(fiber_rounds, i);
  }
  fiber = ResumeFiber(fiber);  // the fiber's last round; it returns
  EXPECT_EQ(fiber_rounds, kRounds);
  EXPECT_FALSE(fiber) << "a finished fiber hands back no context";
}

// One side switches with ResumeFiber, the other with Boost's resume(); both land where they left.
TEST(FiberResumeTest, MixesWithBoostResume) {
  std::string log;
  ctx::fiber fiber([&](ctx::fiber&& main) {
    log += "f1 ";
    main = std::move(main).resume();
    log += "f2 ";
    main = ResumeFiber(main);
    log += "f3 ";
    return std::move(main);
  });
  fiber = ResumeFiber(fiber);
  log += "m1 ";
  fiber = ResumeFiber(fiber);
  log += "m2 ";
  fiber = std::move(fiber).resume();
  log += "m3";
  EXPECT_EQ(log, "f1 m1 f2 m2 f3 m3");
  EXPECT_FALSE(fiber);
}

[[gnu::noinline]] void SwitchThenThrow(ctx::fiber& main, int round) {
  main = ResumeFiber(main);
  throw std::runtime_error("round " + std::to_string(round));
}

// An exception thrown after a switch unwinds through the frame that switched (its unwind tables
// are right once the switch has returned) and is caught on the fiber.
TEST(FiberResumeTest, ExceptionsUnwindThroughASwitchingFrame) {
  int caught = 0;
  ctx::fiber fiber([&](ctx::fiber&& main) {
    for (int i = 0; i < 3; ++i) {
      try {
        SwitchThenThrow(main, i);
      } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "round " + std::to_string(i));
        ++caught;
      }
    }
    return std::move(main);
  });
  for (int i = 0; i < 4; ++i) fiber = ResumeFiber(fiber);
  EXPECT_EQ(caught, 3);
  EXPECT_FALSE(fiber);
}

}  // namespace
}  // namespace mapfault
