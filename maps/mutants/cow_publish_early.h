// Mutant cow_publish_early: the copy-on-write map whose writers publish the new snapshot before they
// have finished changing it.
//
// Correct version: `cow_snapshot` (maps/cow_snapshot.h): a writer copies the current snapshot,
// applies its change to the copy, and only then publishes it; a published snapshot is immutable, so
// a reader can walk it with no lock. This mutant is CowSnapshotMap with one bug knob turned
// (kPublishBeforeFill: CowSnapshotMap::PublishThenFill replaces copy-then-publish); everything else,
// the pins of erasing iterations and their lock order included, is the current cow_snapshot's.
//
// What is wrong: unsafe publication. The writer allocates the new snapshot, publishes it at once,
// and only then copies the entries into it, applying its change on the way ("the copy is ours: we
// hold the writer lock, nobody else writes it"). A reader that acquires the snapshot in between
// reads a snapshot still being filled: an iteration ends after the entries copied so far, a find's
// binary search misses a key that is there, size() counts too few. (The vector is reserved up front
// and filled in place, so the reader's memory stays valid: the bug is a logic bug.)
//
// Breaks: iter.no-missed-stable (an iteration of a half-filled snapshot misses entries that were
// present throughout), size-bounds, linearizable (find).
// Witness: snapshot-read (size, iteration and size again while the writer assigns, erases and
// re-inserts).
//
// Depth 2 (PCT): the reader must acquire the snapshot after the publish (1) and read it before the
// copy is complete (2): one priority change point inside the writer's copy loop, after which the
// reader runs to completion.
#ifndef MAPFAULT_MAPS_MUTANTS_COW_PUBLISH_EARLY_H_
#define MAPFAULT_MAPS_MUTANTS_COW_PUBLISH_EARLY_H_

#include "maps/cow_snapshot.h"

namespace mapfault {

struct CowPublishEarlyBugs : CowSnapshotCorrect {
  static constexpr bool kPublishBeforeFill = true;  // BUG
};

template <class Sync>
using CowPublishEarlyMap = CowSnapshotMap<Sync, CowPublishEarlyBugs>;

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_COW_PUBLISH_EARLY_H_
