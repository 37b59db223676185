// Misbehaving test plugin backends written with <mapfault/plugin.h>, each of which mapfault must
// catch through the plugin boundary:
// - plugin.racy_map: a std::map with no synchronisation and a scheduling point between each lookup
//   and the modification it decides (memory-safe, but lost updates: not linearizable).
// - plugin.throws: erase() throws; the helper must abort cleanly with a message (no-crash).
// - plugin.deadlock: two mutexes taken in opposite orders (no-hang); the host must unwind its
//   threads through the plugin's frames without an exception crossing them.
// - plugin.go_like: reports concurrent writes itself, like Go's runtime (misuse-detected).
#include <mapfault/plugin.h>

#include "racy_map.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace {

using mapfault::PluginIter;
using mapfault::PluginVisit;
using mapfault::PluginVisitor;

using mapfault_test::RacyMap;

// One mutex around a std::unordered_map; the base of the backends below.
template <class Sync>
class Locked {
 public:
  bool Insert(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    return map_.emplace(k, v).second;
  }
  void Assign(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    map_[k] = v;
  }
  bool Erase(int64_t k) {
    std::lock_guard lock(mu_);
    return map_.erase(k) != 0;
  }
  std::optional<int64_t> Find(int64_t k) {
    std::lock_guard lock(mu_);
    const auto it = map_.find(k);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  uint64_t Size() {
    std::lock_guard lock(mu_);
    return map_.size();
  }
  void Clear() {
    std::lock_guard lock(mu_);
    map_.clear();
  }
  void ForEach(PluginVisitor visit, PluginIter /*kind*/) {
    std::lock_guard lock(mu_);
    for (auto it = map_.begin(); it != map_.end();) {
      const PluginVisit action = visit(it->first, it->second);
      if (action == PluginVisit::kStop) return;
      it = action == PluginVisit::kEraseThis ? map_.erase(it) : std::next(it);
    }
  }

 protected:
  typename Sync::Mutex mu_;
  std::unordered_map<int64_t, int64_t> map_;
};

template <class Sync>
class ThrowingMap : public Locked<Sync> {
 public:
  bool Erase(int64_t) { throw std::runtime_error("boom: this erase always throws"); }
};

// Insert takes a then b, erase takes b then a.
template <class Sync>
class DeadlockMap : public Locked<Sync> {
 public:
  bool Insert(int64_t k, int64_t v) {
    std::lock_guard first(a_);
    Sync::Yield("deadlock.insert: holds a");
    std::lock_guard second(b_);
    return Locked<Sync>::Insert(k, v);
  }
  bool Erase(int64_t k) {
    std::lock_guard first(b_);
    Sync::Yield("deadlock.erase: holds b");
    std::lock_guard second(a_);
    return Locked<Sync>::Erase(k);
  }

 private:
  typename Sync::Mutex a_;
  typename Sync::Mutex b_;
};

// Go's checked map in miniature: a plain "writing" flag, checked by every write.
template <class Sync>
class GoLikeMap : public RacyMap<Sync> {
 public:
  bool Insert(int64_t k, int64_t v) {
    Enter();
    const bool inserted = RacyMap<Sync>::Insert(k, v);
    writing_ = false;
    return inserted;
  }
  void Assign(int64_t k, int64_t v) {
    Enter();
    RacyMap<Sync>::Assign(k, v);
    writing_ = false;
  }
  bool Erase(int64_t k) {
    Enter();
    const bool erased = RacyMap<Sync>::Erase(k);
    writing_ = false;
    return erased;
  }

 private:
  void Enter() {
    if (writing_) mapfault::PluginReportMisuse("concurrent map writes");
    writing_ = true;
  }
  bool writing_ = false;
};

using mapfault::PluginBackend;
using mapfault::PluginSync;

}  // namespace

MAPFAULT_PLUGIN(
    "test_racy",
    PluginBackend<RacyMap<PluginSync>>("plugin.racy_map", "TEST PLUGIN: unsynchronised std::map",
                                       {"no-crash", "no-hang", "linearizable", "iter.no-duplicate",
                                        "iter.no-missed-stable", "iter.no-phantom",
                                        "iter.value-valid", "iter.erase-honoured", "check-then-act",
                                        "size-bounds", "quiescent-state"}),
    PluginBackend<ThrowingMap<PluginSync>>("plugin.throws", "TEST PLUGIN: erase() throws",
                                           {"no-crash", "no-hang"}),
    PluginBackend<DeadlockMap<PluginSync>>("plugin.deadlock", "TEST PLUGIN: lock-order inversion",
                                           {"no-crash", "no-hang"}),
    PluginBackend<GoLikeMap<PluginSync>>("plugin.go_like", "TEST PLUGIN: detects concurrent writes",
                                         {"no-hang"}))
