// go_checked: naive plus Go's runtime misuse checks (runtime/map.go): a non-atomic "hashWriting"
// flag set for the duration of every write and checked by writes, reads and iterator steps.
//
// Concurrency contract, as Go's:
// - claims: no-hang. Concurrent iteration and writing is *detected*, best-effort, and aborts the
//   process with "fatal error: concurrent map iteration and map write" (misuse-detected: DETECTED).
// - the check is a plain flag read and write, so a race that does not overlap a write in progress
//   goes undetected and may corrupt the table (reported OUT_OF_CONTRACT).
// - same-thread delete during iteration (Go's delete in range) is legal and not flagged.
#ifndef MAPFAULT_MAPS_GO_CHECKED_H_
#define MAPFAULT_MAPS_GO_CHECKED_H_

#include "harness/engine/misuse.h"
#include "maps/chained_table.h"

namespace mapfault {

class GoRuntimeChecks {
 public:
  template <class Sync>
  void WriteBegin() {
    if (writing_) FatalMisuse("concurrent map writes");
    Sync::Yield("go: set hashWriting");
    writing_ = true;
  }
  template <class Sync>
  void WriteEnd() {
    if (!writing_) FatalMisuse("concurrent map writes");
    writing_ = false;
  }
  template <class Sync>
  void Read() {
    if (writing_) FatalMisuse("concurrent map read and map write");
  }
  template <class Sync>
  void IterStep() {
    if (writing_) FatalMisuse("concurrent map iteration and map write");
  }

 private:
  bool writing_ = false;  // deliberately not atomic, like h.flags in Go
};

template <class Sync>
using GoCheckedMap = ChainedTable<Sync, GoRuntimeChecks>;

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_GO_CHECKED_H_
