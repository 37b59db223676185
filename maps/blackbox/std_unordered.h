// std_unordered: std::unordered_map with no lock at all (perturbed mode only).
//
// Concurrency contract (cppreference, [container.requirements.dataraces]): concurrent const
// operations are safe; any concurrent modification is a data race (undefined behaviour); a rehash
// invalidates every iterator, erase(it) invalidates `it`. Like `naive` it claims what users wrongly
// assume of it (all but misuse-detected), so mapfault shows the claims breaking, typically as crashes.
#ifndef MAPFAULT_MAPS_BLACKBOX_STD_UNORDERED_H_
#define MAPFAULT_MAPS_BLACKBOX_STD_UNORDERED_H_

#include <optional>
#include <unordered_map>

#include "harness/engine/backend.h"
#include "harness/engine/perturbation.h"

namespace mapfault {

class StdUnorderedMap {
 public:
  bool Insert(Key k, Value v) { return map_.emplace(k, v).second; }
  void Assign(Key k, Value v) { map_[k] = v; }
  bool Erase(Key k) { return map_.erase(k) == 1; }
  std::optional<Value> Find(Key k) {
    auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional<Value>(it->second);
  }
  size_t Size() { return map_.size(); }
  void Clear() { map_.clear(); }
  void ForEach(Visitor visit, IterKind) {
    for (auto it = map_.begin(); it != map_.end();) {
      const VisitAction action = visit(it->first, it->second);
      PerturbationPoint("std_unordered.iter: advance");
      if (action == VisitAction::kStop) return;
      if (action == VisitAction::kEraseThis) {
        const Key k = it->first;
        it = map_.erase(it);
        visit.EraseResult(k, true);
      } else {
        ++it;
      }
    }
  }

 private:
  std::unordered_map<Key, Value> map_;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_BLACKBOX_STD_UNORDERED_H_
