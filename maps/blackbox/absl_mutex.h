// absl_mutex: absl::flat_hash_map behind an absl::Mutex (perturbed mode only).
//
// Concurrency contract: find, size and read-only iteration hold the mutex in reader mode (absl
// documents concurrent const access to flat_hash_map as safe); insert, assign, erase, clear and an
// iteration that erases through its visitor hold it in writer mode (erase(it) in flat_hash_map never
// rehashes, so erasing while iterating is valid). Claims every invariant but misuse-detected.
// absl::Hash is seeded per process, so the iteration order differs between a run and its replay:
// part of the perturbed reproduction rate, not of the verdict.
#ifndef MAPFAULT_MAPS_BLACKBOX_ABSL_MUTEX_H_
#define MAPFAULT_MAPS_BLACKBOX_ABSL_MUTEX_H_

#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "harness/engine/backend.h"
#include "harness/engine/perturbation.h"

namespace mapfault {

class AbslMutexMap {
 public:
  bool Insert(Key k, Value v) {
    absl::MutexLock l(&mu_);
    return map_.emplace(k, v).second;
  }
  void Assign(Key k, Value v) {
    absl::MutexLock l(&mu_);
    map_[k] = v;
  }
  bool Erase(Key k) {
    absl::MutexLock l(&mu_);
    return map_.erase(k) == 1;
  }
  std::optional<Value> Find(Key k) {
    absl::ReaderMutexLock l(&mu_);
    auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional<Value>(it->second);
  }
  size_t Size() {
    absl::ReaderMutexLock l(&mu_);
    return map_.size();
  }
  void Clear() {
    absl::MutexLock l(&mu_);
    map_.clear();
  }
  void ForEach(Visitor visit, IterKind kind) {
    if (kind == IterKind::kReadOnly) {
      absl::ReaderMutexLock l(&mu_);
      for (const auto& [k, v] : map_) {
        if (visit(k, v) == VisitAction::kStop) return;
        PerturbationPoint("absl_mutex.iter: advance");
      }
      return;
    }
    absl::MutexLock l(&mu_);
    for (auto it = map_.begin(); it != map_.end();) {
      const VisitAction action = visit(it->first, it->second);
      PerturbationPoint("absl_mutex.iter: advance");
      if (action == VisitAction::kStop) return;
      if (action == VisitAction::kEraseThis) {
        const Key k = it->first;
        map_.erase(it++);
        visit.EraseResult(k, true);
      } else {
        ++it;
      }
    }
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<Key, Value> map_;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_BLACKBOX_ABSL_MUTEX_H_
