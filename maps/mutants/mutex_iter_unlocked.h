// Mutant mutex_iter_unlocked: the mutex backend whose for_each drops the lock between buckets ("so
// writers are not starved by a long iteration"). A rehash between two buckets redistributes the
// entries: the iteration resumes at bucket index b of a different array, so entries are skipped or
// shown twice.
//
// Concurrency contract: claims what mutex claims (that is the bug: it does not deliver it).
#ifndef MAPFAULT_MAPS_MUTANTS_MUTEX_ITER_UNLOCKED_H_
#define MAPFAULT_MAPS_MUTANTS_MUTEX_ITER_UNLOCKED_H_

#include "maps/mutex_map.h"

namespace mapfault {

template <class Sync>
class MutexIterUnlockedMap : public MutexMap<Sync> {
 public:
  void ForEach(Visitor visit, IterKind) {
    for (size_t b = 0;; ++b) {
      LockGuard g(this->mu_, "mutex.lock: for_each bucket (BUG: lock dropped between buckets)");
      if (b >= this->table_.BucketCount()) return;
      if (!this->table_.VisitBucket(b, visit)) return;
    }
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_MUTEX_ITER_UNLOCKED_H_
