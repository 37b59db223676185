// my_map_test.cc: mapfault's single-threaded conformance suite on the example map (GoogleTest), run
// before any concurrency testing: what mapfault reports later is then about concurrency only.
#include <mapfault/conformance.h>

#include "my_map.h"

using MyMapUnderTest = mapfault::conformance::PluginMapAdapter<
    my_map::SharedLockedMap<mapfault::conformance::PlainSync>>;
INSTANTIATE_TYPED_TEST_SUITE_P(MyMap, MapConformanceTest, ::testing::Types<MyMapUnderTest>);
