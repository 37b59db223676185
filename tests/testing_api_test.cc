// The GoogleTest integration (include/mapfault/testing.h): a correct map passes, a broken one fails
// with the report and replay tokens in the message, and MAPFAULT_REPLAY re-runs one trial in
// process. Controlled mode with fixed seeds: deterministic.
#include "mapfault/testing.h"

#include <cstdlib>
#include <string>

#include "maps/mutants/mutex_iter_unlocked.h"
#include "maps/mutex_map.h"

namespace mapfault {
namespace {

TEST(TestingApiTest, ACorrectMapPasses) {
  testing::SuiteOptions o;
  o.scenarios = {"iterate-while-grow", "mixed-ops"};
  o.trials = 500;
  EXPECT_TRUE(testing::HoldsControlled<MutexMap>("testing_api.mutex", o));
}

TEST(TestingApiTest, ABrokenMapFailsWithTheReportAndAReplayTokenThatReplaysInProcess) {
  testing::SuiteOptions o;
  o.scenarios = {"iterate-while-grow"};
  o.trials = 500;
  const ::testing::AssertionResult r =
      testing::HoldsControlled<MutexIterUnlockedMap>("testing_api.iter_unlocked", o);
  ASSERT_FALSE(r);
  const std::string message = r.message();
  EXPECT_NE(message.find("BROKEN testing_api.iter_unlocked / iterate-while-grow / "
                         "iter.no-duplicate"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("MAPFAULT_REPLAY=<token>"), std::string::npos);
  const size_t at = message.find("mapfault replay mf1_");
  ASSERT_NE(at, std::string::npos);
  const size_t begin = at + std::string("mapfault replay ").size();
  const std::string token = message.substr(begin, message.find('\n', begin) - begin);

  setenv("MAPFAULT_REPLAY", token.c_str(), 1);
  const ::testing::AssertionResult replayed =
      testing::HoldsControlled<MutexIterUnlockedMap>("testing_api.iter_unlocked", o);
  const ::testing::AssertionResult other =
      testing::HoldsControlled<MutexMap>("testing_api.mutex", o);
  unsetenv("MAPFAULT_REPLAY");
  ASSERT_FALSE(replayed);
  EXPECT_NE(std::string(replayed.message()).find("MAPFAULT_REPLAY reproduced the trial"),
            std::string::npos)
      << replayed.message();
  EXPECT_NE(std::string(replayed.message()).find("iter.no-duplicate"), std::string::npos);
  EXPECT_TRUE(other) << "a token for another backend skips this suite";
}

TEST(TestingApiTest, AnUnknownScenarioIsAClearFailure) {
  testing::SuiteOptions o;
  o.scenarios = {"nosuch"};
  const ::testing::AssertionResult r = testing::HoldsControlled<MutexMap>("testing_api.mutex", o);
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("unknown scenario 'nosuch'"), std::string::npos);
}

}  // namespace
}  // namespace mapfault
