// Resource limits of worker processes: address space (RLIMIT_AS), CPU time per batch (RLIMIT_CPU)
// and open files (RLIMIT_NOFILE), set in each worker right after fork, so that a hostile or leaking
// backend becomes a finding (bad_alloc, SIGXCPU, EMFILE -> no-crash, saying which limit it hit)
// instead of a machine-wide problem. Defaults are generous (no built-in backend or test comes near
// them); MAPFAULT_WORKER_AS_MB, MAPFAULT_WORKER_CPU_SECONDS and MAPFAULT_WORKER_NOFILE override them
// ("0" = no limit). RLIMIT_AS is never set in ASan or TSan builds: their shadow memory reserves
// terabytes of address space. Process-wide settings: set them before any worker is forked.
#ifndef MAPFAULT_HARNESS_RUN_WORKER_LIMITS_H_
#define MAPFAULT_HARNESS_RUN_WORKER_LIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace mapfault {

struct WorkerLimits {
  uint64_t address_space_mb = 0;  // 0: no limit
  uint64_t cpu_seconds = 0;       // per worker, i.e. per batch of trials
  uint64_t open_files = 0;
};

// Whether RLIMIT_AS can be used in this build (not under ASan or TSan).
bool AddressSpaceLimitSupported();
// The defaults: address space max(4096 MB, half the physical memory) (0 under sanitizers), 3600 s
// of CPU per batch, 4096 open files.
WorkerLimits DefaultWorkerLimits();
// The defaults with the environment's overrides; an error names the variable and a valid value.
absl::StatusOr<WorkerLimits> WorkerLimitsFromEnv();
// The limits workers get from now on (DefaultWorkerLimits until set).
void SetWorkerLimits(const WorkerLimits& limits);
const WorkerLimits& CurrentWorkerLimits();
// In a freshly forked worker: sets the soft limits (never above the hard ones).
void ApplyWorkerLimits();
// " (...)" naming the limit a worker's death or error text points at, or "".
std::string WorkerLimitHint(int signal, const std::string& text);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_WORKER_LIMITS_H_
