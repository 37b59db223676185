// consumer_test.cc: what a mapfault user's own gtest suite does (tests/consumer/, issue 18), built
// once against an installed mapfault (find_package) and once with add_subdirectory: a correct map
// holds under HoldsControlled, a broken one fails with its replay token, and the plugin's map
// passes the conformance suite. Controlled mode, fixed seeds: deterministic.
#include <mapfault/conformance.h>
#include <mapfault/testing.h>

#include <string>

#include "plugin_map.h"
#include "user_map.h"

namespace {

mapfault::testing::SuiteOptions Options() {
  mapfault::testing::SuiteOptions options;
  options.scenarios = {"mixed-ops", "iterate-while-erase"};
  options.trials = 300;
  return options;
}

template <class Sync>
using UserLockedMap = consumer::LockedMap<Sync>;

TEST(ConsumerTest, ALockedMapHoldsUnderControlledInterleavings) {
  EXPECT_TRUE(mapfault::testing::HoldsControlled<UserLockedMap>("consumer.locked_map", Options()));
}

TEST(ConsumerTest, ARacyInsertFailsWithTheReplayToken) {
  const ::testing::AssertionResult r =
      mapfault::testing::HoldsControlled<consumer::RacyInsertMap>("consumer.racy_map", Options());
  ASSERT_FALSE(r);
  const std::string message = r.message();
  EXPECT_NE(message.find("BROKEN consumer.racy_map / mixed-ops / linearizable: "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("mapfault replay mf1_"), std::string::npos) << message;
}

using PluginMapUnderTest = mapfault::conformance::PluginMapAdapter<
    consumer::PluginMap<mapfault::conformance::PlainSync>>;
INSTANTIATE_TYPED_TEST_SUITE_P(ConsumerPluginMap, MapConformanceTest,
                               ::testing::Types<PluginMapUnderTest>);

}  // namespace
