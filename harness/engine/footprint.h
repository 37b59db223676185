// Step footprints for partial-order reduction (the exhaustive search's sleep sets). A step is the
// code a logical thread runs between two of its scheduling points; its footprint is the set of
// objects it touched (a Mutex or SharedMutex, an atomic location, a Var cell, the history clock),
// each read-only or written. Two steps of different threads are independent when no object is in
// both footprints with a write among the two accesses: executing them in either order reaches the
// same state, the same happens-before and the same history.
//
// Concurrency contract: one Footprint belongs to one controlled trial at a time, on the OS thread
// that runs its scheduler (fibers take turns, nothing is concurrent). Recording is off unless the
// strategy hands the scheduler a Footprint (Strategy::StepFootprint), so sampled strategies pay
// one predictable branch per access.
//
// Object identity must compare across re-executions of one program (a sleeping thread's step was
// recorded in an earlier execution), and heap addresses do not: each execution builds a fresh map
// on a heap an earlier execution left in another state. So each object carries an ObjectId that
// is numbered on its first touch in an execution (1, 2, ... after the reserved ids). Executions
// that share a prefix of steps number the objects the prefix touched identically; an object first
// touched after that prefix may get different numbers in two executions, so a comparison across
// executions treats every id at or above the prefix's `fresh_from` as "some object first touched
// after the prefix" (Dependent() below): conservative, never a false independence.
#ifndef MAPFAULT_HARNESS_ENGINE_FOOTPRINT_H_
#define MAPFAULT_HARNESS_ENGINE_FOOTPRINT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mapfault {

// An object's number in the running execution (valid while `gen` is the execution's generation;
// a constructed object starts at gen 0, so reused memory is a new object).
struct ObjectId {
  uint32_t gen = 0;
  uint32_t id = 0;
};

// One object a step touched.
struct Access {
  uint32_t id = 0;
  bool write = false;
};

// The objects one step touched. `all`: unknown (too many objects to list, or an access the
// recording does not see): dependent on every step.
struct StepAccesses {
  std::vector<Access> accesses;
  bool all = false;
};

// Whether step `a` (recorded in an earlier execution; ids at or above `fresh_from` were first
// touched after the prefix the two executions share) and step `b` (of the running execution)
// may not commute: an object in both with a write, or possibly one (a fresh id on each side).
bool Dependent(const StepAccesses& a, uint32_t fresh_from, const StepAccesses& b);

class Footprint {
 public:
  // Reserved ids: the same object in every execution.
  static constexpr uint32_t kHistoryClock = 1;  // the history's invoke/response stamps
  static constexpr uint32_t kScFence = 2;       // seq_cst fences (one total order)
  static constexpr uint32_t kFirstId = 3;
  // A step that touches more objects is recorded as touching everything.
  static constexpr size_t kMaxAccesses = 48;

  // A new execution: every object is numbered afresh, and no step is open.
  void BeginExecution();
  void Touch(ObjectId& object, bool write) {
    if (object.gen != gen_) {
      object.gen = gen_;
      object.id = next_id_++;
    }
    Add(object.id, write);
  }
  void TouchReserved(uint32_t id, bool write) { Add(id, write); }
  void TouchAll() { step_.all = true; }
  // The next id an object first touched from now on gets.
  uint32_t next_id() const { return next_id_; }
  // The step that is open (since the last ClearStep).
  const StepAccesses& step() const { return step_; }
  void ClearStep() {
    step_.accesses.clear();
    step_.all = false;
  }

 private:
  void Add(uint32_t id, bool write);

  uint32_t gen_ = 0;
  uint32_t next_id_ = kFirstId;
  StepAccesses step_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_FOOTPRINT_H_
