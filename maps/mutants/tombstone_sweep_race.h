// Mutant tombstone_sweep_race: the tombstone map whose erase sweeps while an iteration is walking.
//
// Correct version: `tombstone` (maps/tombstone.h). Iterations register in an active-iteration count;
// the sweeper, which compacts the slots (moving live entries towards the front) and drops the
// tombstones, runs only when that count is 0, or as the last iteration leaves. This mutant is
// TombstoneMap with one bug knob and two neutral ones turned (TombstoneCorrect lists them).
//
// What is wrong: erase sweeps as soon as the tombstones exceed the batch, forgetting the
// active-iteration check ("a sweep holds the lock exclusively and every iteration step holds it
// shared, so a sweep never runs in the middle of a step": it runs between two steps, and the
// cursor, a slot index, lives from one step to the next; the after-iteration sweep still checks).
// A sweep between two steps moves live entries from ahead of the cursor to slots behind it, and the
// iteration never shows them.
// Neutral changes: the sweep batch is max(2, live / 2) instead of max(4, live / 2), so that the
// built-in scenarios' few erases reach it (the registered iteration makes tombstone hold with any
// batch size); spare storage chunks are kept instead of freed (a slot pointer held across the sweep
// reads poison, not freed memory, so the bug stays a logic bug under ASan).
//
// Breaks: iter.no-missed-stable (a live entry moved behind the cursor is never shown), and
// linearizable (an erase-this aimed at a slot the sweep has just refilled with another entry is
// declined by the version check: the visitor's removal is lost).
// Witness: concurrent-erase-all (T0 erases every entry through its visitor while T1 erases every
// key; T1's third erase sweeps).
//
// Depth 3 (PCT): the sweeping erase must come after the iteration's first step (1) and before its
// last (2), and the writer must then be held back (3) until the iteration has finished, or it
// erases the skipped keys itself and nothing is left that was present throughout: two priority
// change points. (In iterate-while-erase, whose writer erases only some keys, it is depth 2.)
#ifndef MAPFAULT_MAPS_MUTANTS_TOMBSTONE_SWEEP_RACE_H_
#define MAPFAULT_MAPS_MUTANTS_TOMBSTONE_SWEEP_RACE_H_

#include "maps/tombstone.h"

namespace mapfault {

struct TombstoneSweepRaceBugs : TombstoneCorrect {
  static constexpr size_t kMinSweepBatch = 2;
  static constexpr bool kEraseSweepsDuringIteration = true;  // BUG
  static constexpr bool kKeepSpareChunks = true;
};

template <class Sync>
using TombstoneSweepRaceMap = TombstoneMap<Sync, TombstoneSweepRaceBugs>;

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_TOMBSTONE_SWEEP_RACE_H_
