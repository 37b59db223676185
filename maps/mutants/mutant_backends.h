// Registration of the mutant suite: deliberately wrong white-box backends (one realistic concurrency
// bug each, documented in its header), the bug-finding benchmark's targets.
//
// Each header states the bug's depth in PCT's sense (Burckhardt et al. 2010): the number of ordering
// constraints that must line up, i.e. one more than the priority change points PCT needs. No mutant
// here has depth 1, and none can: with d = 1 PCT runs the threads one after another in priority
// order (a thread only yields to a lower one when it blocks, and it cannot block on a lock no one
// else has taken yet), and a map whose operations are each correct and that does not depend on
// which thread calls it gives a sequentially correct history in every such serial run. A depth-1
// bug needs thread identity (per-thread caches and the like).
#ifndef MAPFAULT_MAPS_MUTANTS_MUTANT_BACKENDS_H_
#define MAPFAULT_MAPS_MUTANTS_MUTANT_BACKENDS_H_

#include "harness/engine/backend.h"

namespace mapfault {

// Registers the mutants of maps/mutants/ (ids "mutant.<name>"), each with its witness scenario.
// The two oldest mutants (rwlock_erase_shared, mutex_iter_unlocked) are registered by
// RegisterBuiltinBackends, which calls this.
void RegisterMutantBackends(BackendRegistry& registry);

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_MUTANT_BACKENDS_H_
