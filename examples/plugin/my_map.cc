// my_map.cc: registers the example backends of the mapfault plugin "my_map_plugin":
// - "my_map": my_map::SharedLockedMap (my_map.h), plugin ABI v1 features only;
// - "my_cas_map": my_map::CasMap (my_cas_map.h), using ABI v2: thread hooks, declined erase-this
//   with read points, visitor writes and a conditional contract.
#include "my_cas_map.h"
#include "my_map.h"

MAPFAULT_PLUGIN("my_map_plugin",
                mapfault::PluginBackend<my_map::SharedLockedMap<mapfault::PluginSync>>(
                    "my_map", "EXAMPLE: std::map behind a reader-writer lock",
                    {"no-crash", "no-hang", "linearizable", "iter.no-duplicate",
                     "iter.no-missed-stable", "iter.no-phantom", "iter.value-valid",
                     "iter.erase-honoured", "check-then-act", "size-bounds", "quiescent-state"}),
                mapfault::PluginBackend<my_map::CasMap<mapfault::PluginSync>>(
                    "my_cas_map",
                    "EXAMPLE: lock-free reads, compare-and-erase iteration, attached threads",
                    {"no-crash", "no-hang", "linearizable", "iter.no-duplicate",
                     "iter.no-missed-stable", "iter.no-phantom", "iter.value-valid",
                     "iter.erase-honoured", "check-then-act", "size-bounds", "quiescent-state"},
                    MAPFAULT_MODE_CONTROLLED | MAPFAULT_MODE_PERTURBED,
                    MAPFAULT_BACKEND_ERASE_THIS_MAY_DECLINE | MAPFAULT_BACKEND_VISITOR_WRITES)
                    .ClaimsIfUnsafe(MAPFAULT_UNSAFE_CLEAR,
                                    {"no-crash", "no-hang", "iter.no-duplicate"}))
