// Verdict rules.
#include "harness/run/verdict.h"

namespace mapfault {

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kHolds: return "HOLDS";
    case Verdict::kBroken: return "BROKEN";
    case Verdict::kOutOfContract: return "OUT_OF_CONTRACT";
    case Verdict::kDetected: return "DETECTED";
    case Verdict::kNotRun: return "NOT_RUN";
  }
  return "?";
}

Verdict Judge(Invariant inv, uint64_t evaluated, uint64_t failures, uint64_t claimed_failures) {
  if (failures == 0) return evaluated == 0 ? Verdict::kNotRun : Verdict::kHolds;
  if (inv == Invariant::kMisuseDetected) return Verdict::kDetected;
  return claimed_failures > 0 ? Verdict::kBroken : Verdict::kOutOfContract;
}

int RunResults::ExitCode() const {
  for (const CellResult& c : cells) {
    for (const InvariantResult& r : c.invariants) {
      if (r.verdict == Verdict::kBroken) return kExitBroken;
    }
  }
  return partial ? kExitPartial : kExitHolds;
}

}  // namespace mapfault
