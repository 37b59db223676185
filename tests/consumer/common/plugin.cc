// plugin.cc: the consumer projects' plugin (tests/consumer/): backend "consumer.plugin_map".
#include "plugin_map.h"

MAPFAULT_PLUGIN("consumer_plugin",
                mapfault::PluginBackend<consumer::PluginMap<mapfault::PluginSync>>(
                    "consumer.plugin_map", "CONSUMER TEST: std::map behind one mutex",
                    {"no-crash", "no-hang", "linearizable", "iter.no-duplicate",
                     "iter.no-missed-stable", "iter.no-phantom", "iter.value-valid",
                     "iter.erase-honoured", "check-then-act", "size-bounds", "quiescent-state"}))
