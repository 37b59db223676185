// naive: mapfault's own chained hash table with no synchronisation at all (the "native Go map").
//
// Concurrency contract (what users wrongly assume of a plain map; mapfault shows it breaking):
// - claims: no-crash, no-hang, iter.no-duplicate, iter.no-missed-stable, iter.no-phantom.
// - reality: any write concurrent with iteration or another write is a data race. Rehash retires the
//   bucket array an iterator is walking; erase frees the node it stands on. Same-thread erase through
//   the visitor (Go's delete-in-range) is safe.
#ifndef MAPFAULT_MAPS_NAIVE_H_
#define MAPFAULT_MAPS_NAIVE_H_

#include "maps/chained_table.h"

namespace mapfault {

template <class Sync>
using NaiveMap = ChainedTable<Sync>;

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_NAIVE_H_
