// The scheduler's fiber entry and exit. Under TSan this file is compiled with -fno-sanitize=thread
// (harness/engine/CMakeLists.txt): ThreadSanitizer keeps a shadow call stack per fiber, pushed by
// every instrumented function's entry and popped by its exit on whichever fiber TSan thinks is
// running, and two of Boost.Context's frames cross a switch:
//   - fiber_entry<Record> (boost/context/fiber_fcontext.hpp) is entered when the fiber is
//     constructed: create_fiber1 jumps onto the new stack and fiber_entry jumps straight back, so
//     its entry would be pushed on the creator's shadow stack and never popped there;
//   - a finished fiber switches away by returning: its entry frames (the lambda below,
//     fiber_record::run, fiber_entry) return after the switch has been announced to TSan, so their
//     exits would pop the next context's shadow stack.
// Either way the main context's shadow stack drifted a few frames per trial, every stack trace TSan
// stored after that was longer and new, and a long in-process search grew TSan's stack depot
// without bound (docs/development.md, Sanitizers). Uninstrumented, these frames push and pop
// nothing; the body they call is instrumented and runs entirely on its own fiber (entered after
// the switch to it, left before the switch away). This file must stay that small: TSan does not
// see its memory accesses.
#include "harness/engine/fiber_entry.h"

#include <memory>
#include <utility>

#include "harness/engine/fiber_stack.h"

namespace mapfault {

boost::context::fiber CreateFiber(boost::context::stack_context* stack, FiberBody body, void* owner,
                                  int index) {
  auto entry = [body, owner, index](boost::context::fiber&& caller) {
    const FiberExit exit = body(owner, index, std::move(caller));
    BeforeFiberSwitch(*exit.self, *exit.next_state, /*from_is_dying=*/true);
    return std::move(*exit.next);
  };
  return boost::context::fiber(std::allocator_arg, PooledStackAllocator(stack), std::move(entry));
}

}  // namespace mapfault
