// Tells AddressSanitizer and ThreadSanitizer about fiber switches (they report nonsense otherwise).
// Compiled to nothing in normal builds.
#ifndef MAPFAULT_HARNESS_ENGINE_FIBER_SANITIZER_H_
#define MAPFAULT_HARNESS_ENGINE_FIBER_SANITIZER_H_

#include <cstddef>

#if defined(MAPFAULT_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(MAPFAULT_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace mapfault {

// Per-context sanitizer state: the stack bounds (ASan) and the TSan fiber handle.
struct FiberSanitizerState {
  const void* stack_bottom = nullptr;
  size_t stack_size = 0;
  void* fake_stack = nullptr;
  void* tsan_fiber = nullptr;
  bool owns_tsan_fiber = false;
};

// Call right before switching from `from` to `to`; `from_is_dying` when `from` never resumes.
inline void BeforeFiberSwitch([[maybe_unused]] FiberSanitizerState& from,
                              [[maybe_unused]] FiberSanitizerState& to,
                              [[maybe_unused]] bool from_is_dying) {
#if defined(MAPFAULT_ASAN)
  __sanitizer_start_switch_fiber(from_is_dying ? nullptr : &from.fake_stack, to.stack_bottom,
                                 to.stack_size);
#endif
#if defined(MAPFAULT_TSAN)
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
}

// Call first thing after a switch landed in `self`; records the bounds of the stack we came from.
inline void AfterFiberSwitch([[maybe_unused]] FiberSanitizerState& self,
                             [[maybe_unused]] FiberSanitizerState& from) {
#if defined(MAPFAULT_ASAN)
  __sanitizer_finish_switch_fiber(self.fake_stack, &from.stack_bottom, &from.stack_size);
#endif
}

inline void InitMainFiber([[maybe_unused]] FiberSanitizerState& main) {
#if defined(MAPFAULT_TSAN)
  main.tsan_fiber = __tsan_get_current_fiber();
#endif
}

inline void InitFiber([[maybe_unused]] FiberSanitizerState& f, const void* bottom, size_t size) {
  f.stack_bottom = bottom;
  f.stack_size = size;
#if defined(MAPFAULT_TSAN)
  f.tsan_fiber = __tsan_create_fiber(0);
  f.owns_tsan_fiber = true;
#endif
}

inline void DestroyFiber([[maybe_unused]] FiberSanitizerState& f) {
#if defined(MAPFAULT_TSAN)
  if (f.owns_tsan_fiber) __tsan_destroy_fiber(f.tsan_fiber);
  f.owns_tsan_fiber = false;
#endif
}

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_FIBER_SANITIZER_H_
