// tbb_hash and tbb_unordered: oneTBB's concurrent maps (perturbed mode only: their internals use
// real atomics and spin-waits that no scheduler of ours can drive).
//
// tbb_hash = tbb::concurrent_hash_map, through accessors. Contract (oneTBB docs, "concurrent_hash_map
// ... concurrent operations"): insert/find/erase through accessors are safe concurrently; *iteration
// concurrent with any other method is undefined* (even a find may split buckets and make an
// iteration repeat elements). It therefore claims everything but misuse-detected in trials where no
// for_each runs concurrently with other threads, and nothing in trials where one does (a conditional
// contract, BackendInfo::unsafe_concurrent_ops): what such trials break is OUT_OF_CONTRACT. Its
// for_each erases the entries its visitor chose after the traversal (erasing during it is not
// allowed).
//
// tbb_unordered = tbb::concurrent_unordered_map. Contract (oneTBB docs): concurrent insertion,
// lookup and traversal are safe; erase is unsafe_erase and is not concurrency-safe. The claims below
// hold for programs that run no erase (or erase-this, or clear) concurrently with other threads;
// mapfault voids them for trials that do (see BackendInfo::unsafe_concurrent_ops), so those breaks are
// OUT_OF_CONTRACT. Assign goes through operator[] and a relaxed atomic value write would be needed to
// make concurrent value reads race-free: values are stored as std::atomic<Value>.
#ifndef MAPFAULT_MAPS_BLACKBOX_TBB_MAPS_H_
#define MAPFAULT_MAPS_BLACKBOX_TBB_MAPS_H_

#include <atomic>
#include <optional>
#include <vector>

#include <oneapi/tbb/concurrent_hash_map.h>
#include <oneapi/tbb/concurrent_unordered_map.h>

#include "harness/engine/backend.h"
#include "harness/engine/perturbation.h"

namespace mapfault {

class TbbHashMap {
 public:
  using Map = tbb::concurrent_hash_map<Key, Value>;
  bool Insert(Key k, Value v) {
    Map::accessor a;
    if (!map_.insert(a, k)) return false;
    a->second = v;
    return true;
  }
  void Assign(Key k, Value v) {
    Map::accessor a;
    map_.insert(a, k);
    a->second = v;
  }
  bool Erase(Key k) { return map_.erase(k); }
  std::optional<Value> Find(Key k) {
    Map::const_accessor a;
    if (!map_.find(a, k)) return std::nullopt;
    return a->second;
  }
  size_t Size() { return map_.size(); }
  void Clear() { map_.clear(); }
  void ForEach(Visitor visit, IterKind) {
    std::vector<Key> doomed;
    for (auto it = map_.begin(); it != map_.end(); ++it) {
      const VisitAction action = visit(it->first, it->second);
      PerturbationPoint("tbb_hash.iter: advance");
      if (action == VisitAction::kEraseThis) doomed.push_back(it->first);
      if (action == VisitAction::kStop) break;
    }
    for (Key k : doomed) visit.EraseResult(k, map_.erase(k) != 0);
  }

 private:
  Map map_;
};

class TbbUnorderedMap {
 public:
  bool Insert(Key k, Value v) { return map_.emplace(k, v).second; }
  void Assign(Key k, Value v) {
    auto [it, inserted] = map_.emplace(k, v);
    if (!inserted) it->second.store(v, std::memory_order_release);
  }
  bool Erase(Key k) { return map_.unsafe_erase(k) == 1; }
  std::optional<Value> Find(Key k) {
    auto it = map_.find(k);
    if (it == map_.end()) return std::nullopt;
    return it->second.load(std::memory_order_acquire);
  }
  size_t Size() { return map_.size(); }
  void Clear() { map_.clear(); }
  void ForEach(Visitor visit, IterKind) {
    for (auto it = map_.begin(); it != map_.end();) {
      const VisitAction action = visit(it->first, it->second.load(std::memory_order_acquire));
      PerturbationPoint("tbb_unordered.iter: advance");
      if (action == VisitAction::kStop) return;
      if (action == VisitAction::kEraseThis) {
        const Key k = it->first;
        it = map_.unsafe_erase(it);
        visit.EraseResult(k, true);
      } else {
        ++it;
      }
    }
  }

 private:
  tbb::concurrent_unordered_map<Key, std::atomic<Value>> map_;
};

}  // namespace mapfault

#endif  // MAPFAULT_MAPS_BLACKBOX_TBB_MAPS_H_
