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
// A checker uses a stamp in four ways: as an event's begin or end (an operation's interval on one
// key, an erase-this's from its visit to its outcome) or as a window's start or end (a size()'s or
// an iteration's span, a visit's read window). It compares two stamps of different threads only
// as an event's end against another event's begin (real-time order), an event's end against a
// window's start (done before it), or an event's begin against a window's end (begun within it);
// never two begins, two ends, or two windows (the audit: docs/exhaustive.md, "Which stamps the
// checkers compare"). So two kinds of stamp stay ordered only when one has a use that is compared
// with a use of the other: two invokes commute, two responses, two visits.
enum class StampKind : uint8_t {
  kInvoke,             // a single-key operation's or a clear's invoke
  kResponse,           // its response
  kWindowInvoke,       // a size()'s or a for_each's invoke
  kSizeResponse,       // a size()'s response
  kIterationResponse,  // a for_each's response
  kNestedInvoke,       // a visitor write's invoke
  kNestedResponse,     // a visitor write's response
  kVisit,              // a visit whose visitor continues (a stop is not stamped)
  kEraseVisit,         // a visit whose visitor answers erase-this
  kReadPoint,          // a read point the backend reported
  kEraseOutcome,       // an erase-this's reported outcome
  kParallelEnd,        // after the threads joined (never in a step of the search)
};

// The uses of a stamp (bits).
enum StampUse : uint8_t {
  kEventBegin = 1,   // the begin of an event (an invoke, an erase-this's visit)
  kEventEnd = 2,     // the end of an event (a response, an erase-this's outcome)
  kWindowStart = 4,  // a window's start; a read window starts at its thread's previous stamp
  kWindowEnd = 8,    // a window's end (a size()'s or for_each's response, a read's end)
};

// The pairs of uses the checkers compare across threads.
inline constexpr uint8_t kComparedUses[][2] = {
    {kEventEnd, kEventBegin},   // real-time order of two events
    {kEventEnd, kWindowStart},  // an event done before a window
    {kEventBegin, kWindowEnd},  // an event begun before a window ended
};

// One row per StampKind, in its order: every use of a stamp of that kind, direct or as a copy.
struct StampKindInfo {
  StampKind kind;
  const char* name;
  uint8_t uses;
};
inline constexpr StampKindInfo kStampKinds[] = {
    {StampKind::kInvoke, "invoke", kEventBegin},
    {StampKind::kResponse, "response", kEventEnd},
    {StampKind::kWindowInvoke, "size/for_each invoke", kWindowStart},
    {StampKind::kSizeResponse, "size response", kWindowEnd},
    // The end of its erase-this events that reported no outcome.
    {StampKind::kIterationResponse, "for_each response", kWindowEnd | kEventEnd},
    // erase-honoured dates the visitor's own erase by its invoke.
    {StampKind::kNestedInvoke, "visitor-write invoke", kEventBegin | kWindowStart},
    {StampKind::kNestedResponse, "visitor-write response", kEventEnd | kWindowStart},
    {StampKind::kVisit, "visit", kWindowEnd | kWindowStart},
    // erase-honoured dates an erase-this by its visit.
    {StampKind::kEraseVisit, "erase-this visit", kEventBegin | kWindowEnd | kWindowStart},
    {StampKind::kReadPoint, "read point", kWindowEnd | kWindowStart},
    {StampKind::kEraseOutcome, "erase outcome", kEventEnd | kWindowStart},
    {StampKind::kParallelEnd, "parallel end", kEventBegin | kEventEnd | kWindowStart | kWindowEnd},
};
inline constexpr size_t kStampKindCount = std::size(kStampKinds);

// Whether uses `a` and `b` (sets of StampUse) include a pair the checkers compare.
constexpr bool UsesCompared(uint8_t a, uint8_t b) {
  for (const auto& pair : kComparedUses) {
    if (((a & pair[0]) && (b & pair[1])) || ((a & pair[1]) && (b & pair[0]))) return true;
  }
  return false;
}

// Per kind, the kinds (bits) whose stamps on another thread it must stay ordered with.
inline constexpr std::array<uint16_t, kStampKindCount> kStampOrderedWith = [] {
  std::array<uint16_t, kStampKindCount> out{};
  for (size_t a = 0; a < kStampKindCount; ++a) {
    for (size_t b = 0; b < kStampKindCount; ++b) {
      if (UsesCompared(kStampKinds[a].uses, kStampKinds[b].uses)) {
        out[a] = static_cast<uint16_t>(out[a] | 1u << b);
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
  uint16_t stamps = 0;
  bool all = false;
};

// Whether step `a` (recorded in an earlier execution; ids at or above `fresh_from` were first
// touched after the prefix the two executions share) and step `b` (of the running execution)
// may not commute: an object in both with a write, or possibly one (a fresh id on each side), or
// two stamps that must stay ordered (StampsOrdered).
bool Dependent(const StepAccesses& a, uint32_t fresh_from, const StepAccesses& b);

// Adds `b`'s accesses and stamps to `into` (a step that ran differently in two executions from
// the same point: dependent on whatever either variant is dependent on).
void Merge(StepAccesses& into, const StepAccesses& b);

class Footprint {
 public:
  // Reserved ids: the same object in every execution.
  static constexpr uint32_t kScFence = 1;  // seq_cst fences (one total order)
  // Thread t's operation returns (kReturned + t; readability under reads-from enumeration).
  static constexpr uint32_t kReturned = 2;
  static constexpr uint32_t kFirstId = kReturned + 64;
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
  void Stamp(StampKind kind) {
    step_.stamps = static_cast<uint16_t>(step_.stamps | 1u << static_cast<int>(kind));
  }
  // Reads-from enumeration (the exhaustive search's store choices): which stores a weak load may
  // read then depends on the order of steps that otherwise commute, and the scheduler records
  // those dependencies too (scheduler.h). Off, every load reads the latest store, and they do not
  // matter.
  void set_weak_reads(bool on) { weak_reads_ = on; }
  bool weak_reads() const { return weak_reads_; }
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
  bool weak_reads_ = false;
  StepAccesses step_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_ENGINE_FOOTPRINT_H_
