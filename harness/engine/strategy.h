// The scheduling-strategy interface. A strategy is an oracle that owns every nondeterministic choice
// of a controlled trial (after Shuttle): given the runnable threads it names the one to run next.
#ifndef MAPFAULT_HARNESS_ENGINE_STRATEGY_H_
#define MAPFAULT_HARNESS_ENGINE_STRATEGY_H_

#include <cstdint>
#include <string>

#include "harness/engine/footprint.h"

namespace mapfault {

// Bitmask of runnable logical threads (bit i = thread i); a trial has at most 64 threads.
using ThreadMask = uint64_t;

// The number of threads in a mask. A mask holds a few bits, and Debian's baseline x86-64 has no
// popcnt instruction: std::popcount is a call to libgcc's __popcountdi2 (2% of a default schedule
// in callgrind); clearing the lowest bit per thread is a couple of instructions each.
inline int ThreadCount(ThreadMask mask) {
  int n = 0;
  for (; mask != 0; mask &= mask - 1) ++n;
  return n;
}

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Called before each trial. `threads` logical threads; `expected_steps` is an estimate of the
  // trial's length (PCT places its change points in it).
  virtual void Begin(int threads, uint64_t expected_steps) = 0;
  // Called only when more than one thread is runnable. Returns the thread to run, or -1 when the
  // strategy cannot continue (a replay that diverged; Error() says why).
  virtual int Choose(ThreadMask runnable, int current, uint64_t step) = 0;
  // Called only when a weak atomic load (MemoryModel::kC11) may read more than one store:
  // `readable` stores, 0 the latest, k the k-th older one. Returns the one to read, or -1 when
  // the strategy cannot continue. By default the latest.
  virtual int ChooseStore(int /*readable*/, uint64_t /*step*/) { return 0; }
  virtual std::string Error() const { return ""; }
  // Partial-order reduction (the exhaustive search's sleep sets): a strategy that returns a
  // Footprint has the scheduler record into it the objects each step touches (footprint.h) and
  // call StepEnded at the end of every step (a scheduling point, a block, a thread's end), before
  // any choice that follows it; `runnable` says whether the thread can still run. Recording is
  // off (nullptr, the default) for every other strategy.
  virtual Footprint* StepFootprint() { return nullptr; }
  virtual void StepEnded(int /*thread*/, bool /*runnable*/) {}
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_STRATEGY_H_
