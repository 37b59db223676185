// Command-line tests of the harness limits: a hostile --watchdog or worker-limit setting is a
// one-line usage error (exit 2), and a run too large for the old fixed step bound holds (exit 0).
#include "tests/cli_util.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

TEST(CliLimitsTest, HostileWatchdogsAreUsageErrors) {
  for (const char* bad : {"1e10", "nan", "inf", "0", "-1", "5s"}) {
    ExpectUsageError(std::string("run --backend mutex --trials 1 --watchdog ") + bad,
                            "--watchdog");
    ExpectUsageError(std::string("check --backend mutex --tests 1 --watchdog ") + bad,
                            "--watchdog");
    ExpectUsageError(std::string("replay mf1_x --watchdog ") + bad, "--watchdog");
  }
}

TEST(CliLimitsTest, BadWorkerLimitsAreUsageErrors) {
  ExpectUsageError("run --backend mutex --trials 1", "MAPFAULT_WORKER_AS_MB",
                          "MAPFAULT_WORKER_AS_MB=lots ");
}

TEST(CliLimitsTest, ABigProgramOnACorrectBackendHolds) {
  const std::string out = TempDir("bigprogram");
  const CommandResult r = RunMapfault(
      "run --backend mutex --scenario iterate-while-grow --threads 16 --ops 2000 --trials 1 "
      "--seed 1 --no-progress --out " + out);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("summary: 0 BROKEN"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace mapfault
