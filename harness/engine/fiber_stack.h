// Fiber stacks for the controlled scheduler: mmap'ed once with a guard page and reused across trials,
// so starting a logical thread costs no system call.
#ifndef MAPFAULT_HARNESS_ENGINE_FIBER_STACK_H_
#define MAPFAULT_HARNESS_ENGINE_FIBER_STACK_H_

#include <cstddef>

#include <boost/context/stack_context.hpp>

namespace mapfault {

// A Boost.Context stack allocator drawing from a per-OS-thread pool. When `allocated` is given, it
// receives the stack it hands out (the scheduler needs the bounds for sanitizer annotations).
class PooledStackAllocator {
 public:
  static constexpr size_t kStackSize = 256 * 1024;
  explicit PooledStackAllocator(boost::context::stack_context* allocated = nullptr)
      : allocated_(allocated) {}
  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;

 private:
  boost::context::stack_context* allocated_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_FIBER_STACK_H_
