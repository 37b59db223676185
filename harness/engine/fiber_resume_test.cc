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
  // Debian 12 amd64 is what CI builds (TSan builds use Boost's resume(): fiber_resume.h says why);
  // the fallback would pass the other tests too.
#if defined(__x86_64__) && defined(__linux__) && !defined(MAPFAULT_TSAN)
  EXPECT_EQ(MAPFAULT_BALANCED_FIBER_RESUME, 1);
#else
  EXPECT_EQ(MAPFAULT_BALANCED_FIBER_RESUME, 0);
#endif
}

// Overwrites every register a callee may clobber, so that whatever the other side of a switch
// kept in one of them (had ResumeFiber failed to declare it clobbered) is garbage afterwards.
void TrashCallerSavedRegisters() {
#if defined(__x86_64__)
  asm volatile(
      "movq $-1, %%rax\n\tmovq $-1, %%rcx\n\tmovq $-1, %%rdx\n\tmovq $-1, %%rsi\n\t"
      "movq $-1, %%rdi\n\tmovq $-1, %%r8\n\tmovq $-1, %%r9\n\tmovq $-1, %%r10\n\t"
      "movq $-1, %%r11\n\tpcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\t"
      "pcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\tpcmpeqd %%xmm4, %%xmm4\n\t"
      "pcmpeqd %%xmm5, %%xmm5\n\tpcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
      "pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm9, %%xmm9\n\tpcmpeqd %%xmm10, %%xmm10\n\t"
      "pcmpeqd %%xmm11, %%xmm11\n\tpcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\t"
      "pcmpeqd %%xmm14, %%xmm14\n\tpcmpeqd %%xmm15, %%xmm15"
      :
      :
      : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "xmm0", "xmm1", "xmm2",
        "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
        "xmm14", "xmm15");
#endif
}

// Main and a fiber switch 1,000 times each way. Main keeps more integers live across each switch
// than there are callee-saved registers, and doubles (no vector register is callee-saved), all
// derived from volatile reads so the compiler cannot recompute them; the fiber overwrites every
// caller-saved register before it switches back. A register ResumeFiber failed to declare
// clobbered would hold one of main's values across the switch and come back as garbage.
TEST(FiberResumeTest, PingPongKeepsLiveValues) {
  constexpr int kRounds = 1000;
  volatile int64_t seed_i = 7919;
  volatile double seed_d = 0.5;
  int fiber_rounds = 0;
  ctx::fiber fiber([&](ctx::fiber&& main) {
    for (int i = 0; i < kRounds; ++i) {
      TrashCallerSavedRegisters();
      main = ResumeFiber(main);
      ++fiber_rounds;
    }
    return std::move(main);
  });
  int64_t bad = 0;
  for (int i = 0; i < kRounds; ++i) {
    const int64_t k = seed_i * i;
    const int64_t v0 = k + 1, v1 = k ^ 2, v2 = k * 3, v3 = k - 4, v4 = k + 5, v5 = k ^ 6;
    const int64_t v6 = k * 7, v7 = k - 8, v8 = k + 9, v9 = k ^ 10;
    const double x = seed_d * i;
    const double d0 = x + 1, d1 = x * 2, d2 = x - 3, d3 = x / 4, d4 = x + 5, d5 = x * 6;
    fiber = ResumeFiber(fiber);
    ASSERT_TRUE(fiber) << "the fiber ended early at round " << i;
    const int64_t k2 = seed_i * i;
    const double x2 = seed_d * i;
    bad += (v0 != k2 + 1) + (v1 != (k2 ^ 2)) + (v2 != k2 * 3) + (v3 != k2 - 4) + (v4 != k2 + 5) +
           (v5 != (k2 ^ 6)) + (v6 != k2 * 7) + (v7 != k2 - 8) + (v8 != k2 + 9) +
           (v9 != (k2 ^ 10));
    bad += (d0 != x2 + 1) + (d1 != x2 * 2) + (d2 != x2 - 3) + (d3 != x2 / 4) + (d4 != x2 + 5) +
           (d5 != x2 * 6);
    EXPECT_EQ(fiber_rounds, i);
  }
  EXPECT_EQ(bad, 0) << "values live across a switch changed";
  fiber = ResumeFiber(fiber);  // the fiber's last round; it returns
  EXPECT_EQ(fiber_rounds, kRounds);
  EXPECT_FALSE(fiber) << "a finished fiber hands back no context";
}

// Code can run on top of a context suspended in ResumeFiber (Boost's resume_with, and its
// fiber_exit when a fiber ends), entered as if called from the suspension point, so the stack
// there must be aligned as at a call. A leaf function (which keeps no alignment of its own)
// suspends main; the fiber runs a function on top of it that checks a 16-byte-aligned local.
// (Through a global, so that it keeps no pointer across the switch and so pushes nothing that
// would align the stack by chance.)
ctx::fiber* leaf_target = nullptr;
[[gnu::noinline]] void ResumeFromLeaf() { *leaf_target = ResumeFiber(*leaf_target); }

TEST(FiberResumeTest, CodeRunOnTopOfASuspendedSwitchFindsAnAlignedStack) {
  uintptr_t misaligned = 0;
  int ran = 0;
  ctx::fiber fiber([&](ctx::fiber&& main) {
    for (int i = 0; i < 4; ++i) {
      main = std::move(main).resume_with([&](ctx::fiber&& f) {
        alignas(16) char probe[16];
        volatile uintptr_t at = reinterpret_cast<uintptr_t>(&probe[0]);  // not folded to 0
        misaligned |= at % 16;
        ++ran;
        return std::move(f);
      });
    }
    return std::move(main);
  });
  leaf_target = &fiber;
  for (int i = 0; i < 5; ++i) ResumeFromLeaf();
  EXPECT_EQ(ran, 4);
  EXPECT_EQ(misaligned, 0u);
  EXPECT_FALSE(fiber);
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
