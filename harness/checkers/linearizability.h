// Per-key linearizability search (Wing & Gong, with Lowe's just-in-time linearization and a cache
// of visited (linearized-set, state) pairs). A map's single-key operations are P-compositional, so
// the history is checked one key at a time (as Porcupine does); the search per key is bounded by a
// step budget and answers "undecided" rather than running away on a pathological history.
#ifndef MAPFAULT_HARNESS_CHECKERS_LINEARIZABILITY_H_
#define MAPFAULT_HARNESS_CHECKERS_LINEARIZABILITY_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/checkers/history_index.h"

namespace mapfault {

// One operation on one key, as the sequential specification sees it.
struct LinOp {
  enum class Kind : uint8_t {
    kInsert,   // insert(value) -> ok
    kAssign,   // assign(value)
    kErase,    // erase -> ok
    kFind,     // find -> found
    kRemove,   // erase-this or clear: removes, returns nothing
    kMaybeRemove,  // an erase-this of unknown outcome: removes or leaves the state (both tried)
    kObserve,  // the harness observed the state `found` (quiescent contents)
  };
  Kind kind = Kind::kFind;
  uint64_t invoke = 0;
  uint64_t response = 0;
  Value value = 0;
  bool ok = false;
  std::optional<Value> found;
  bool check_result = true;  // false: the operation's effect counts, its reported result does not
  const KeyEvent* source = nullptr;  // for explanations (nullptr for kObserve)
};

enum class LinVerdict : uint8_t { kLinearizable, kNotLinearizable, kUndecided };

struct LinOutcome {
  LinVerdict verdict = LinVerdict::kLinearizable;
  // Index into the ops: the operation no ordering could account for, at the search's deepest point.
  int failing_op = -1;
  uint64_t steps = 0;    // search steps spent
};

// The sequential specification: applies `op` to a key's `state`; false when the op's reported result
// contradicts the state (results are ignored when `op.check_result` is false).
// `alternative` picks one of the op's possible effects (LinOpAlternatives: 2 for kMaybeRemove,
// which removes in alternative 0 and leaves the state in 1; 1 for every other kind).
bool ApplyLinOp(const LinOp& op, std::optional<Value>& state, int alternative = 0);
int LinOpAlternatives(const LinOp& op);

// Searches for a linearization of `ops` (any order; intervals may overlap) starting from `initial`.
LinOutcome CheckKeyLinearizable(std::optional<Value> initial, const std::vector<LinOp>& ops,
                                uint64_t budget);

// The operations on key `k` of `index` as LinOps: parallel and post operations, with erase-this and
// clear as removals. Ops that never returned are left out (only completed trials are judged).
std::vector<LinOp> KeyOps(const HistoryIndex& index, Key k, bool include_post);
// The same into `ops` (cleared first), so a checker looping over keys reuses one buffer.
void KeyOpsInto(const HistoryIndex& index, Key k, bool include_post, std::vector<LinOp>& ops);
std::optional<Value> InitialValue(const HistoryIndex& index, Key k);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CHECKERS_LINEARIZABILITY_H_
