// Settings shared by the commands that run trials: the watchdog (validated: a NaN, huge or
// non-positive value would make every trial look hung) and the workers' resource limits.
#include <cerrno>
#include <cstdlib>
#include <string>

#include "CLI/CLI.hpp"
#include "harness/cli/cli.h"
#include "harness/run/worker.h"
#include "harness/run/worker_limits.h"

namespace mapfault {

CLI::Option* AddWatchdogOption(CLI::App* command, double& seconds) {
  const CLI::Validator valid(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || end == nullptr || *end != '\0' || errno == ERANGE) {
          return "bad --watchdog '" + text + "': give the seconds a single trial may run, e.g. 5";
        }
        return WatchdogProblem(v);
      },
      "SECONDS");
  return command
      ->add_option("--watchdog", seconds,
                   "Seconds before a single trial counts as hung (0 < SECONDS <= 86400)")
      ->check(valid);
}

}  // namespace mapfault

namespace mapfault {

bool ConfigureWorkerLimits() {
  const absl::StatusOr<WorkerLimits> limits = WorkerLimitsFromEnv();
  if (!limits.ok()) {
    UsageError(std::string(limits.status().message()));
    return false;
  }
  SetWorkerLimits(*limits);
  return true;
}

}  // namespace mapfault
