// The entry and the exit of the controlled scheduler's fibers. Under TSan they are compiled without
// instrumentation (fiber_entry.cc says why), so they are kept apart from the scheduler.
#ifndef MAPFAULT_HARNESS_ENGINE_FIBER_ENTRY_H_
#define MAPFAULT_HARNESS_ENGINE_FIBER_ENTRY_H_

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#include "harness/engine/fiber_sanitizer.h"

namespace mapfault {

// Where a finished fiber goes: its own sanitizer state, and the context it switches to.
struct FiberExit {
  FiberSanitizerState* self;
  FiberSanitizerState* next_state;
  boost::context::fiber* next;
};

// A fiber's work: called with `owner` and `index` as given to CreateFiber, and the context that
// first resumed the fiber. Returns when the fiber has finished.
using FiberBody = FiberExit (*)(void* owner, int index, boost::context::fiber&& caller);

// Creates a suspended fiber on a pooled stack (its bounds go to `*stack`). Once resumed it runs
// body(owner, index, caller), then switches to what the body returned, annotated as the switch of
// a dying context.
boost::context::fiber CreateFiber(boost::context::stack_context* stack, FiberBody body, void* owner,
                                  int index);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_FIBER_ENTRY_H_
