// Mutant rwlock_erase_shared: the rwlock backend with one realistic bug. erase() takes the *shared*
// lock ("it only removes, readers can't see a half-removed node... right?"), so an erase runs
// concurrently with iteration and with other erases: a node is freed under an iterator standing on it,
// and two erases of one key unlink and free it twice.
//
// Concurrency contract: claims what rwlock claims (that is the bug: it does not deliver it).
#ifndef MAPFAULT_MAPS_MUTANTS_RWLOCK_ERASE_SHARED_H_
#define MAPFAULT_MAPS_MUTANTS_RWLOCK_ERASE_SHARED_H_

#include "maps/rwlock_map.h"

namespace mapfault {

template <class Sync>
class RwLockEraseSharedMap : public RwLockMap<Sync> {
 public:
  bool Erase(Key k) {
    SharedLockGuard g(this->mu_, "rwlock.lock_shared: erase (BUG: should be exclusive)");
    return this->table_.Erase(k);
  }
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_MUTANTS_RWLOCK_ERASE_SHARED_H_
