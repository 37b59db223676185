// ABI v2 test plugin written with <mapfault/plugin.h> (for harness/plugins/plugin_loader_test.cc):
// - plugin.v2_cas: examples/plugin/my_cas_map.h (lock-free reads, compare-and-erase iteration that
//   declines and reports it, read points, visitor writes, non-atomic clear under a conditional
//   contract), with thread hooks that also count every attach and detach. Its operations fail
//   loudly (a plugin error, no-crash BROKEN) on a thread that did not attach. It must hold every
//   claim.
// - plugin.v2_single_writer: racy_map.h, the map behind racy_plugin.cc's racy_map (no
//   synchronisation, lost updates), but honest about it: its contract claims everything only in
//   trials where no write runs concurrently (unsafe_concurrent_ops), so its breaks are
//   OUT_OF_CONTRACT, never BROKEN.
//   Controlled mode only (with real threads it would corrupt its std::map).
// mapfault_test_v2_hook_counts (exported for the tests) reads the hook counters.
#include <mapfault/plugin.h>

#include <atomic>
#include <cstdint>

#include "my_cas_map.h"
#include "racy_map.h"

namespace {

std::atomic<uint64_t> attaches{0};
std::atomic<uint64_t> detaches{0};

class CountingCasMap : public my_map::CasMap<mapfault::PluginSync> {
 public:
  void ThreadAttach() {
    attaches.fetch_add(1);
    CasMap::ThreadAttach();
  }
  void ThreadDetach() {
    detaches.fetch_add(1);
    CasMap::ThreadDetach();
  }
};

}  // namespace

extern "C" MAPFAULT_PLUGIN_EXPORT void mapfault_test_v2_hook_counts(uint64_t* attach_count,
                                                                    uint64_t* detach_count) {
  *attach_count = attaches.load();
  *detach_count = detaches.load();
}

MAPFAULT_PLUGIN(
    "test_v2",
    mapfault::PluginBackend<CountingCasMap>(
        "plugin.v2_cas", "TEST PLUGIN (ABI v2): compare-and-erase map with attached threads",
        {"no-crash", "no-hang", "linearizable", "iter.no-duplicate", "iter.no-missed-stable",
         "iter.no-phantom", "iter.value-valid", "iter.erase-honoured", "check-then-act",
         "size-bounds", "quiescent-state"},
        MAPFAULT_MODE_CONTROLLED | MAPFAULT_MODE_PERTURBED,
        MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE | MAPFAULT_BACKEND_VISITOR_WRITES)
        .ClaimsIfUnsafe(MAPFAULT_UNSAFE_CLEAR, {"no-crash", "no-hang", "iter.no-duplicate"}),
    mapfault::PluginBackend<mapfault_test::RacyMap<mapfault::PluginSync>>(
        "plugin.v2_single_writer", "TEST PLUGIN (ABI v2): unsynchronised, writes must not overlap",
        {"no-crash", "no-hang", "linearizable", "iter.no-duplicate", "iter.no-missed-stable",
         "iter.no-phantom", "iter.value-valid", "check-then-act", "size-bounds",
         "quiescent-state"},
        MAPFAULT_MODE_CONTROLLED)
        .ClaimsIfUnsafe(MAPFAULT_UNSAFE_INSERT | MAPFAULT_UNSAFE_ASSIGN | MAPFAULT_UNSAFE_ERASE |
                            MAPFAULT_UNSAFE_CLEAR | MAPFAULT_UNSAFE_ERASE_THIS,
                        {"no-crash", "no-hang"}))
