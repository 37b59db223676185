// Pooled fiber stacks.
#include "harness/engine/fiber_stack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

namespace mapfault {
namespace {

struct Pool {
  std::vector<void*> free;  // bottoms of mapped regions (guard page first)
  ~Pool() {
    for (void* p : free) munmap(p, PooledStackAllocator::kStackSize + 4096);
  }
};
thread_local Pool pool;

}  // namespace

boost::context::stack_context PooledStackAllocator::allocate() {
  const size_t page = 4096;
  void* base;
  if (!pool.free.empty()) {
    base = pool.free.back();
    pool.free.pop_back();
  } else {
    base = mmap(nullptr, kStackSize + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    mprotect(base, page, PROT_NONE);  // guard page: a stack overflow faults instead of corrupting
  }
  boost::context::stack_context sctx;
  sctx.size = kStackSize;
  sctx.sp = static_cast<char*>(base) + page + kStackSize;
  if (allocated_ != nullptr) *allocated_ = sctx;
  return sctx;
}

void PooledStackAllocator::deallocate(boost::context::stack_context& sctx) noexcept {
  pool.free.push_back(static_cast<char*>(sctx.sp) - kStackSize - 4096);
}

}  // namespace mapfault
