// Names and descriptions of the vocabulary types in types.h.
#include "harness/base/types.h"

namespace mapfault {

std::string_view OpName(OpKind kind) {
  switch (kind) {
    case OpKind::kInsert: return "insert";
    case OpKind::kAssign: return "assign";
    case OpKind::kErase: return "erase";
    case OpKind::kFind: return "find";
    case OpKind::kSize: return "size";
    case OpKind::kClear: return "clear";
    case OpKind::kForEach: return "for_each";
  }
  return "?";
}

std::string_view InvariantId(Invariant inv) {
  switch (inv) {
    case Invariant::kNoCrash: return "no-crash";
    case Invariant::kNoHang: return "no-hang";
    case Invariant::kIterNoDuplicate: return "iter.no-duplicate";
    case Invariant::kIterNoMissedStable: return "iter.no-missed-stable";
    case Invariant::kIterNoPhantom: return "iter.no-phantom";
    case Invariant::kMisuseDetected: return "misuse-detected";
    case Invariant::kLinearizable: return "linearizable";
    case Invariant::kIterValueValid: return "iter.value-valid";
    case Invariant::kIterEraseHonoured: return "iter.erase-honoured";
    case Invariant::kCheckThenAct: return "check-then-act";
    case Invariant::kSizeBounds: return "size-bounds";
    case Invariant::kQuiescentState: return "quiescent-state";
    case Invariant::kNoDataRace: return "no-data-race";
  }
  return "?";
}

std::string_view InvariantShortName(Invariant inv) {
  switch (inv) {
    case Invariant::kNoCrash: return "crash";
    case Invariant::kNoHang: return "hang";
    case Invariant::kIterNoDuplicate: return "dup";
    case Invariant::kIterNoMissedStable: return "missed";
    case Invariant::kIterNoPhantom: return "phantom";
    case Invariant::kMisuseDetected: return "misuse";
    case Invariant::kLinearizable: return "lin";
    case Invariant::kIterValueValid: return "value";
    case Invariant::kIterEraseHonoured: return "erased";
    case Invariant::kCheckThenAct: return "cta";
    case Invariant::kSizeBounds: return "size";
    case Invariant::kQuiescentState: return "final";
    case Invariant::kNoDataRace: return "race";
  }
  return "?";
}

std::string_view InvariantDescription(Invariant inv) {
  switch (inv) {
    case Invariant::kNoCrash:
      return "no signal, abort or escaped exception";
    case Invariant::kNoHang:
      return "no deadlock, livelock (step bound) or watchdog timeout";
    case Invariant::kIterNoDuplicate:
      return "an iteration yields no key twice";
    case Invariant::kIterNoMissedStable:
      return "a key present before an iteration began and erased by no one before it ended is yielded";
    case Invariant::kIterNoPhantom:
      return "every yielded key was present at some instant of the iteration window";
    case Invariant::kMisuseDetected:
      return "the backend itself reported misuse (e.g. Go's concurrent map iteration and map write)";
    case Invariant::kLinearizable:
      return "the single-key operations are linearizable against a sequential map (checked per key)";
    case Invariant::kIterValueValid:
      return "every yielded value was written to its key by an operation current at some instant of "
             "the iteration window";
    case Invariant::kIterEraseHonoured:
      return "an entry the iterating thread erased is not yielded again unless re-inserted";
    case Invariant::kCheckThenAct:
      return "a conditional erase never removes an entry whose value was refreshed after the check";
    case Invariant::kSizeBounds:
      return "size() lies between the smallest and largest entry count possible in its window";
    case Invariant::kNoDataRace:
      return "ThreadSanitizer saw no data race (judged in perturbed trials of a "
             "-DMAPFAULT_SANITIZE=thread build; NOT_RUN elsewhere)";
    case Invariant::kQuiescentState:
      return "after all threads join, the contents are a state some linearization reaches";
  }
  return "?";
}

std::optional<Invariant> ParseInvariant(std::string_view id) {
  for (int i = 0; i < kInvariantCount; ++i) {  // every id, also those this build does not judge
    if (InvariantId(static_cast<Invariant>(i)) == id) return static_cast<Invariant>(i);
  }
  return std::nullopt;
}

}  // namespace mapfault
