// Names and descriptions of the vocabulary types in types.h.
#include "harness/types.h"

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
  }
  return "?";
}

std::optional<Invariant> ParseInvariant(std::string_view id) {
  for (Invariant inv : kAllInvariants) {
    if (InvariantId(inv) == id) return inv;
  }
  return std::nullopt;
}

}  // namespace mapfault
