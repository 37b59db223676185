// ResumeFiber: Boost.Context's fiber switch, entered so that the CPU's return-stack buffer stays
// balanced.
//
// Boost 1.74's jump_fcontext (x86-64 System V) is entered by `call` but leaves by `jmp *%r8` to the
// resumed context's saved return address. The `call` pushes a return-stack-buffer entry that no
// `ret` pops, so after every switch each return up the resumed fiber's call chain is predicted
// from the entry one level deeper than its own, and mispredicts. ResumeFiber pushes the return
// address itself and enters jump_fcontext by `jmp`: nothing is pushed on the buffer, the switch's
// `jmp *%r8` pops nothing, and the resumed fiber's returns are predicted from the entries its
// callers pushed (right whenever the other fiber was suspended at the same call sites). Measured:
// a controlled switch (two threads alternating) went from 3.0x to 1.5x the bare Boost fiber switch
// (docs/performance.md, History).
//
// It is the same switch as `std::move(fiber).resume()` (same function, same saved state; every
// resumer, Boost's own included, lands on the pushed address), so a fiber suspended here may be
// resumed either way. One thing differs: a fiber suspended here must be resumed, never destroyed
// while suspended. Destroying it would unwind it (Boost throws forced_unwind on top of its
// suspension point), and the point inside an `asm` statement is no call site the caller's unwind
// tables describe, so the unwinder would terminate the process. The scheduler never does it: Run
// resumes every suspended thread and unwinds it from its own code (TrialOver). Elsewhere than
// x86-64 Linux, with AVX-512 registers the clobber list would have to name, or under TSan, it is
// `resume()`. Under TSan (GCC 12) the `asm` switch made one long exhaustive search crash inside
// TSan's stack depot (ExhaustiveSearchTest.ACounterexamplesTokenReplaysItExactlyInAFreshWorker,
// every run; it passes with `resume()`): not understood yet (docs/development.md, Sanitizers).
#ifndef MAPFAULT_HARNESS_ENGINE_FIBER_RESUME_H_
#define MAPFAULT_HARNESS_ENGINE_FIBER_RESUME_H_

#include <type_traits>
#include <utility>

#include <boost/context/fiber.hpp>

namespace mapfault {

#if defined(__x86_64__) && defined(__linux__) && !defined(__AVX512F__) && !defined(MAPFAULT_TSAN)
#define MAPFAULT_BALANCED_FIBER_RESUME 1

namespace fiber_resume_internal {

using RawContext = boost::context::detail::fcontext_t;

// A fiber is a standard-layout class whose one member is its suspended context, so a pointer to
// it is a pointer to that member.
static_assert(std::is_standard_layout_v<boost::context::fiber> &&
              sizeof(boost::context::fiber) == sizeof(RawContext));
inline RawContext& Raw(boost::context::fiber& f) { return *reinterpret_cast<RawContext*>(&f); }

// jump_fcontext(to, nullptr), entered by `jmp` with the return address pushed by hand, on a stack
// pointer moved below the red zone (a leaf caller may keep data there) and aligned to 16 bytes as
// at a call (Boost's fiber_exit runs on top of this point when a fiber ends); rbx keeps the
// caller's stack pointer across the switch (jump_fcontext saves and restores it with the other
// callee-saved registers). Every register the System V ABI lets a callee clobber is clobbered, the
// x87/MMX registers included. Returns the context that switched back here.
[[gnu::always_inline]] inline RawContext Jump(RawContext to) {
  register RawContext target asm("rdi") = to;
  register void* data asm("rsi") = nullptr;
  RawContext back;
  asm volatile(
      "movq %%rsp, %%rbx\n\t"
      "subq $128, %%rsp\n\t"
      "andq $-16, %%rsp\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "jmp jump_fcontext@PLT\n"
      "1:\n\t"
      "movq %%rbx, %%rsp"
      : "=a"(back), "+D"(target), "+S"(data)
      :
      : "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2",
        "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
        "xmm14", "xmm15", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)",
        "mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "mm7");
  return back;
}

}  // namespace fiber_resume_internal

// Resumes `target` (which must hold a suspended context; it is left empty) and returns the context
// that resumed this one, like `std::move(target).resume()`.
[[gnu::always_inline]] inline boost::context::fiber ResumeFiber(boost::context::fiber& target) {
  using fiber_resume_internal::Raw;
  boost::context::fiber back;
  Raw(back) = fiber_resume_internal::Jump(std::exchange(Raw(target), nullptr));
  return back;
}

#else
#define MAPFAULT_BALANCED_FIBER_RESUME 0

inline boost::context::fiber ResumeFiber(boost::context::fiber& target) {
  return std::move(target).resume();
}

#endif

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_FIBER_RESUME_H_
