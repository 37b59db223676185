// The history of a trial: for every operation its arguments, its result, and its invoke and response
// timestamps on one logical clock; for every for_each the entries it was shown, each stamped. The
// checkers judge a trial from this alone.
#ifndef MAPFAULT_HARNESS_BASE_HISTORY_H_
#define MAPFAULT_HARNESS_BASE_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/base/types.h"

namespace mapfault {

// One entry a for_each showed its visitor. The entry was read somewhere in [read_from, read_to]
// (the read window): the iteration's whole span up to the visit unless the backend reported a
// precise read point, then from the iterating thread's previous history event to that point.
struct YieldRecord {
  Key key = 0;
  Value value = 0;
  uint64_t at = 0;                  // logical time the visitor was shown the entry
  VisitAction action = VisitAction::kContinue;  // what the visitor answered
  uint64_t read_from = 0;           // the read window (read_to <= at)
  uint64_t read_to = 0;
  // For an erase-this: what became of it, and the logical time the backend said so (0: it did not
  // say; the removal, if any, then lies anywhere before the for_each returned).
  EraseOutcome erase = EraseOutcome::kNone;
  uint64_t erase_at = 0;
};

struct OpRecord;
// The read window of yield `y` of for_each `f`, resolved: [f.invoke, y.at] when the backend reported
// no read point.
uint64_t ReadFrom(const OpRecord& f, const YieldRecord& y);
inline uint64_t ReadTo(const YieldRecord& y) { return y.read_to == 0 ? y.at : y.read_to; }

struct OpRecord {
  // User-provided, so that value-initialising a thread's records (vector::resize) runs the member
  // initialisers only, without first zeroing each 160-byte record (a `rep stos` per record).
  OpRecord() {}  // NOLINT(modernize-use-equals-default)
  OpKind kind = OpKind::kFind;
  Key key = 0;
  Value value = 0;
  int thread = 0;          // -1 for init/post operations
  int index = 0;           // position in its thread's program
  uint64_t invoke = 0;     // logical time of the call
  uint64_t response = 0;   // logical time of the return; 0 when it never returned
  // Results.
  bool ok = false;                   // insert / erase
  std::optional<Value> found;        // find
  uint64_t size = 0;                 // size
  std::vector<YieldRecord> yields;   // for_each
  bool stopped = false;              // for_each ended because the visitor said stop
  // for_each whose visitor erases an entry when its value is below this ("expired"): a conditional
  // erase, judged by check-then-act.
  std::optional<Value> erase_if_value_below;
  // for_each: the writes its visitor made through the map (visitor writes), each an operation of the
  // same thread nested inside this one's span; `visit` on each is the yield it was made from.
  std::vector<OpRecord> visit_writes;
  int visit = -1;  // for a visitor write: the index of the yield whose visit made it

  // Back to a fresh record's values, keeping the yields' and visitor writes' buffers (a recycled
  // record: harness/run/trial.cc). A field added above must be reset here too (the static_assert
  // after the struct fails until this is looked at).
  void Reset() {
    kind = OpKind::kFind;
    key = value = 0;
    thread = index = 0;
    invoke = response = 0;
    ok = false;
    found.reset();
    size = 0;
    yields.clear();
    stopped = false;
    erase_if_value_below.reset();
    visit_writes.clear();
    visit = -1;
  }

  bool completed() const { return response != 0; }
  std::string Describe() const;      // "T1 erase(3) -> true [t=4..9]"
  std::string CallString() const;    // "erase(3)"
  std::string ResultString() const;  // "true", "7", "absent", "3 entries"
};

static_assert(sizeof(OpRecord) == 160, "a new OpRecord field: reset it in OpRecord::Reset");

struct History {
  std::vector<std::pair<Key, Value>> initial;  // state when the parallel part starts
  std::vector<std::vector<OpRecord>> threads;  // parallel part, per logical thread
  std::vector<OpRecord> post;                  // after all threads joined
  uint64_t parallel_end = 0;                   // logical time the parallel part ended
  // The contents right after the threads joined (before the post part), read sequentially by the
  // harness; judged by quiescent-state. Absent when the trial did not complete.
  std::optional<std::vector<std::pair<Key, Value>>> final_state;

  // Every operation (parallel then post, visitor writes after the for_each that made them).
  std::vector<const OpRecord*> AllOps() const;
  // The same, into `out` (cleared first; its buffer is reused).
  void AllOpsInto(std::vector<const OpRecord*>& out) const;
};

inline uint64_t ReadFrom(const OpRecord& f, const YieldRecord& y) {
  return y.read_to == 0 ? f.invoke : y.read_from;
}

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_BASE_HISTORY_H_
