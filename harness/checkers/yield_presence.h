// Bulk presence judgement of every yield (iter.no-phantom and iter.value-valid both ask it of every
// yield of every iteration): whether the yielded key could have been present at some instant of
// the yield's read window, ignoring the yielding iteration itself,
//   HistoryIndex::PossiblyPresent(y.key, ReadFrom(f, y), ReadTo(y), f).
// Asked one yield at a time, each question was a lookup that scans the key's events or builds the
// key's judge (a dozen small vectors) on its first question; here a key with a few events is
// scanned, and one with more has its two step functions laid out in flat arrays on its first yield
// (O(E log E) for its E events, no per-key allocation), each later yield two binary searches:
//   possible = B(to) >= M(from), where
//     B(to)   = the latest effective end of a presence source invoked before `to` (the initial
//               state ends at 0, one that never returned never), and
//     M(from) = the latest begin of a certain removal that completed before `from` (0 if none).
// Those are the judgement with no operation ignored (presence_sweep.h). Ignoring f can only turn
// a "no" into a "yes": the only events the index attributes to an iteration are its erase-this
// removals, and leaving removals out lowers M. So a "yes" without ignoring is the answer, and a
// "no" (a phantom, or a key the iteration itself erased before yielding it again) is asked of the
// index with f ignored, exactly as before.
#ifndef MAPFAULT_HARNESS_CHECKERS_YIELD_PRESENCE_H_
#define MAPFAULT_HARNESS_CHECKERS_YIELD_PRESENCE_H_

#include <cstdint>
#include <vector>

#include "harness/checkers/history_index.h"

namespace mapfault {

// Fills `out` with one entry per yield of index.iterations() (in order, each iteration's yields in
// order): 1 when PossiblyPresent(y.key, ReadFrom(*f, y), ReadTo(y), f, nullptr) holds, else 0.
void JudgeYieldPresence(const HistoryIndex& index, std::vector<uint8_t>& out);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_CHECKERS_YIELD_PRESENCE_H_
