// The interleaving trace: one fixed-size record per scheduling step or history event, written into a
// caller-provided buffer (shared memory in a replay worker, so the trace survives a crash).
#ifndef MAPFAULT_HARNESS_BASE_TRACE_H_
#define MAPFAULT_HARNESS_BASE_TRACE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace mapfault {

enum class TraceKind : uint8_t {
  kYield,         // explicit scheduling point inside a backend
  kLock,          // Mutex::lock / SharedMutex::lock
  kLockShared,    // SharedMutex::lock_shared
  kUnlock,        // any unlock
  kAtomic,        // an Atomic<T> operation
  kBlocked,       // the thread parked on a held lock
  kOpInvoke,      // an operation of the scenario program starts (op kind; a = its program index)
  kOpResponse,    // ... and returns (op kind; a = key, b = result)
  kIterYield,     // a for_each visitor is shown (key, value)
  kFinished,      // the logical thread's program ended
  kSwitch,        // the scheduler switched to this thread
  kRace,          // a racing Var access (op 0: the later one, 1: the earlier one; label = its
                  // file, a = its line, b = 1 for a write); both end a trace the race ended
  kStaleRead,     // a weak atomic load read an older store than the latest (a = its place in the
                  // location's modification order, b = how many newer stores it did not read)
};

struct TraceEvent {
  uint32_t step;       // scheduling step at which the event happened
  uint8_t thread;      // logical thread
  TraceKind kind;
  uint8_t op;          // OpKind for op events
  uint8_t preempted;   // 1 when this step switched away from a thread that could have continued
  const char* label;   // static string (valid in the supervisor too: forked address space)
  int64_t a;           // key / first operand
  int64_t b;           // value / result
};

// A bounded, append-only trace. Events past the capacity are counted but dropped.
struct TraceBuffer {
  TraceEvent* events = nullptr;
  size_t capacity = 0;
  size_t* count = nullptr;  // lives beside the events (shared memory)

  // Safe to call from several threads at once (perturbed mode).
  void Append(const TraceEvent& e) {
    const size_t i = std::atomic_ref<size_t>(*count).fetch_add(1, std::memory_order_relaxed);
    if (i < capacity) events[i] = e;
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_BASE_TRACE_H_
