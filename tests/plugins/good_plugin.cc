// A well-behaved test plugin written with <mapfault/plugin.h>: a std::unordered_map behind one
// PluginSync::Mutex, held for every operation and the whole iteration, with explicit scheduling
// points inside the critical sections. It claims everything but misuse-detected, and must hold.
//
// Built twice: as the ok/ plugin against include/, and as the kept ABI version 1 plugin
// (test_plugin_v1, MAPFAULT_TEST_PLUGIN_V1_BUILD defined) against tests/plugins/v1_abi/, a verbatim
// copy of the version 1 headers (<mapfault/plugin_abi.h> and <mapfault/plugin.h> as released with
// ABI v1), never against include/: that binary is a real v1 plugin (v1 backend layout, v1 host
// check in the helper), kept to prove that version 1 plugins still load and run unchanged.
#include <mapfault/plugin.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#if defined(MAPFAULT_TEST_PLUGIN_V1_BUILD)
static_assert(MAPFAULT_PLUGIN_ABI_VERSION == 1u,
              "the v1 build of good_plugin.cc must use tests/plugins/v1_abi");
#define TEST_PLUGIN_NAME "test_v1"
#define TEST_BACKEND_ID "plugin.v1_locked"
#define TEST_BACKEND_DESCRIPTION "TEST PLUGIN (ABI v1): std::unordered_map behind a mutex"
#else
#define TEST_PLUGIN_NAME "test_good"
#define TEST_BACKEND_ID "plugin.locked_unordered_map"
#define TEST_BACKEND_DESCRIPTION "TEST PLUGIN: std::unordered_map behind a mutex"
#endif

namespace {

template <class Sync>
class LockedUnorderedMap {
 public:
  bool Insert(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    Sync::Yield("locked.insert: locked");
    return map_.emplace(k, v).second;
  }
  void Assign(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    Sync::Yield("locked.assign: locked");
    map_[k] = v;
  }
  bool Erase(int64_t k) {
    std::lock_guard lock(mu_);
    Sync::Yield("locked.erase: locked");
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
      Sync::Yield("locked.for_each: next entry");
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

MAPFAULT_PLUGIN(TEST_PLUGIN_NAME,
                mapfault::PluginBackend<LockedUnorderedMap<mapfault::PluginSync>>(
                    TEST_BACKEND_ID, TEST_BACKEND_DESCRIPTION,
                    {"no-crash", "no-hang", "linearizable", "iter.no-duplicate",
                     "iter.no-missed-stable", "iter.no-phantom", "iter.value-valid",
                     "iter.erase-honoured", "check-then-act", "size-bounds", "quiescent-state"}))
