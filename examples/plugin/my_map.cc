// my_map.cc: registers my_map::SharedLockedMap as the mapfault plugin backend "my_map".
#include "my_map.h"

MAPFAULT_PLUGIN("my_map_plugin",
                mapfault::PluginBackend<my_map::SharedLockedMap<mapfault::PluginSync>>(
                    "my_map", "EXAMPLE: std::map behind a reader-writer lock",
                    {"no-crash", "no-hang", "linearizable", "iter.no-duplicate",
                     "iter.no-missed-stable", "iter.no-phantom", "iter.value-valid",
                     "iter.erase-honoured", "check-then-act", "size-bounds", "quiescent-state"}))
