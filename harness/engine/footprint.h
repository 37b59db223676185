// Step footprints for partial-order reduction (the exhaustive search's sleep sets). A step is the
// code a logical thread runs between two of its scheduling points; its footprint is the set of
// objects it touched (a Mutex or SharedMutex, an atomic location, a Var cell), each read-only or
// written, and the kinds of history stamp it took. Two steps of different threads are independent
// when no object is in both footprints with a write among the two accesses and no two of their
// stamps are ordered by kStampKinds (below): executing them in either order reaches the same
// state, the same happens-before and a history every checker judges alike.
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

#include <array>
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

// The kinds of stamp a step takes on the history clock (harness/run/trial.cc, OpRunner::Tick).
// The checkers compare two stamps of different threads only as the start of one interval or
// window against the end of another (a response before an invoke, a removal completed before a
// read window began, ...; the audit is in docs/exhaustive.md, "Which stamps the checkers
// compare"). So the order of two stamps matters only when one of them is used as a start and the
// other as an end: two invokes commute, and so do two responses.
enum class StampKind : uint8_t {
  kInvoke,          // an operation's invoke (a visitor write's too)
  kResponse,        // a top-level operation's response
  kNestedResponse,  // a visitor write's response: also where a later read window may begin
  kVisit,           // an iteration's visit: a read window's end, an erase-this's start
  kReadPoint,       // a read point the backend reported: a read window's end, a later one's start
  kEraseOutcome,    // an erase-this's reported outcome: its end, a later read window's start
  kParallelEnd,     // after the threads joined (never in a step of the search)
};

// One row per StampKind, in its order: how the checkers use a stamp of that kind (directly, or
// as a copy: a read window begins at its thread's previous stamp, whatever its kind).
struct StampKindInfo {
  StampKind kind;
  const char* name;
  bool starts;  // used as the start of an interval or window
  bool ends;    // used as the end of one
};
inline constexpr StampKindInfo kStampKinds[] = {
    {StampKind::kInvoke, "invoke", true, false},
    {StampKind::kResponse, "response", false, true},
    {StampKind::kNestedResponse, "visitor-write response", true, true},
    {StampKind::kVisit, "visit", true, true},
    {StampKind::kReadPoint, "read point", true, true},
    {StampKind::kEraseOutcome, "erase outcome", true, true},
    {StampKind::kParallelEnd, "parallel end", true, true},
};
inline constexpr size_t kStampKindCount = std::size(kStampKinds);

// Per kind, the kinds (bits) whose stamps on another thread it must stay ordered with: one
// starts where the other ends.
inline constexpr std::array<uint8_t, kStampKindCount> kStampOrderedWith = [] {
  std::array<uint8_t, kStampKindCount> out{};
  for (size_t a = 0; a < kStampKindCount; ++a) {
    for (size_t b = 0; b < kStampKindCount; ++b) {
      if ((kStampKinds[a].starts && kStampKinds[b].ends) ||
          (kStampKinds[a].ends && kStampKinds[b].starts)) {
        out[a] |= static_cast<uint8_t>(1u << b);
      }
    }
  }
  return out;
}();

// Whether two stamps of different threads, of kinds `a` and `b`, must keep their order.
constexpr bool StampsOrdered(StampKind a, StampKind b) {
  return (kStampOrderedWith[static_cast<size_t>(a)] >> static_cast<size_t>(b) & 1) != 0;
}

// One object a step touched.
struct Access {
  uint32_t id = 0;
  bool write = false;
};

// The objects one step touched and the kinds of stamp it took (bit StampKind). `all`: unknown
// (too many objects to list, or an access the recording does not see): dependent on every step.
struct StepAccesses {
  std::vector<Access> accesses;
  uint8_t stamps = 0;
  bool all = false;
};

// Whether step `a` (recorded in an earlier execution; ids at or above `fresh_from` were first
// touched after the prefix the two executions share) and step `b` (of the running execution)
// may not commute: an object in both with a write, or possibly one (a fresh id on each side), or
// two stamps that must stay ordered (StampsOrdered).
bool Dependent(const StepAccesses& a, uint32_t fresh_from, const StepAccesses& b);

class Footprint {
 public:
  // Reserved ids: the same object in every execution.
  static constexpr uint32_t kScFence = 1;  // seq_cst fences (one total order)
  static constexpr uint32_t kFirstId = 2;
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
  // The step took a history stamp of kind `kind`.
  void Stamp(StampKind kind) { step_.stamps |= static_cast<uint8_t>(1u << static_cast<int>(kind)); }
  // The next id an object first touched from now on gets.
  uint32_t next_id() const { return next_id_; }
  // The step that is open (since the last ClearStep).
  const StepAccesses& step() const { return step_; }
  void ClearStep() {
    step_.accesses.clear();
    step_.stamps = 0;
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
