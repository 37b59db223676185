// An ABI version 1 plugin, kept to prove that version 1 plugins still load and run unchanged. It is
// compiled against tests/plugins/v1_abi/, a verbatim copy of the version 1 headers
// (<mapfault/plugin_abi.h> and <mapfault/plugin.h> as released with ABI v1), never against
// include/: the binary is a real v1 plugin (v1 backend layout, v1 host check in the helper).
// A std::unordered_map behind one PluginSync::Mutex, held for every operation and the whole
// iteration; it claims everything but misuse-detected, and must hold.
#include <mapfault/plugin.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

static_assert(MAPFAULT_PLUGIN_ABI_VERSION == 1u,
              "v1_plugin.cc must be built against tests/plugins/v1_abi");

namespace {

template <class Sync>
class V1LockedMap {
 public:
  bool Insert(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    Sync::Yield("v1.insert: locked");
    return map_.emplace(k, v).second;
  }
  void Assign(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    Sync::Yield("v1.assign: locked");
    map_[k] = v;
  }
  bool Erase(int64_t k) {
    std::lock_guard lock(mu_);
    Sync::Yield("v1.erase: locked");
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
  void ForEach(mapfault::PluginVisitor visit, mapfault::PluginIter /*kind*/) {
    std::lock_guard lock(mu_);
    for (auto it = map_.begin(); it != map_.end();) {
      Sync::Yield("v1.for_each: next entry");
      switch (visit(it->first, it->second)) {
        case mapfault::PluginVisit::kContinue: ++it; break;
        case mapfault::PluginVisit::kEraseThis: it = map_.erase(it); break;
        case mapfault::PluginVisit::kStop: return;
      }
    }
  }

 private:
  typename Sync::Mutex mu_;
  std::unordered_map<int64_t, int64_t> map_;
};

}  // namespace

MAPFAULT_PLUGIN("test_v1",
                mapfault::PluginBackend<V1LockedMap<mapfault::PluginSync>>(
                    "plugin.v1_locked", "TEST PLUGIN (ABI v1): std::unordered_map behind a mutex",
                    {"no-crash", "no-hang", "linearizable", "iter.no-duplicate",
                     "iter.no-missed-stable", "iter.no-phantom", "iter.value-valid",
                     "iter.erase-honoured", "check-then-act", "size-bounds", "quiescent-state"}))
