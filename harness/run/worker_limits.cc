// Worker resource limits (see worker_limits.h).
#include "harness/run/worker_limits.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mapfault {
namespace {

// MAPFAULT_ASAN too: clang 14 does not define __SANITIZE_ADDRESS__ (GCC does).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(MAPFAULT_ASAN) || \
    defined(MAPFAULT_TSAN)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

WorkerLimits& Limits() {
  static WorkerLimits limits = DefaultWorkerLimits();
  return limits;
}

// Sets the soft limit of `resource` to `value` (capped by the hard limit); 0 leaves it alone.
void SetSoft(int resource, uint64_t value) {
  rlimit r;
  if (value == 0 || getrlimit(resource, &r) != 0) return;
  const rlim_t want = static_cast<rlim_t>(value);
  r.rlim_cur = r.rlim_max == RLIM_INFINITY ? want : std::min(want, r.rlim_max);
  setrlimit(resource, &r);
}

struct EnvLimit {
  const char* name;
  uint64_t WorkerLimits::*field;
  uint64_t max;
};

constexpr EnvLimit kEnvLimits[] = {
    {"MAPFAULT_WORKER_AS_MB", &WorkerLimits::address_space_mb, uint64_t{1} << 40},
    {"MAPFAULT_WORKER_CPU_SECONDS", &WorkerLimits::cpu_seconds, uint64_t{1} << 32},
    {"MAPFAULT_WORKER_NOFILE", &WorkerLimits::open_files, uint64_t{1} << 24},
};

}  // namespace

bool AddressSpaceLimitSupported() { return !kSanitized; }

WorkerLimits DefaultWorkerLimits() {
  WorkerLimits l;
  if (AddressSpaceLimitSupported()) {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    const uint64_t half_mb =
        pages > 0 && page > 0 ? static_cast<uint64_t>(pages) / 2 * static_cast<uint64_t>(page) >> 20
                              : 0;
    l.address_space_mb = std::max<uint64_t>(4096, half_mb);
  }
  l.cpu_seconds = 3600;
  l.open_files = 4096;
  return l;
}

absl::StatusOr<WorkerLimits> WorkerLimitsFromEnv() {
  WorkerLimits l = DefaultWorkerLimits();
  for (const EnvLimit& e : kEnvLimits) {
    const char* text = std::getenv(e.name);
    if (text == nullptr) continue;
    uint64_t v = 0;
    if (!absl::SimpleAtoi(text, &v) || v > e.max) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad ", e.name, "='", absl::CEscape(text), "': give a whole number from 0 (no limit) to ",
          e.max, ", or unset it for the default"));
    }
    l.*e.field = v;
  }
  if (!AddressSpaceLimitSupported()) l.address_space_mb = 0;  // sanitizers: see the header
  return l;
}

void SetWorkerLimits(const WorkerLimits& limits) { Limits() = limits; }
const WorkerLimits& CurrentWorkerLimits() { return Limits(); }

void ApplyWorkerLimits() {
  const WorkerLimits& l = Limits();
  if (AddressSpaceLimitSupported()) SetSoft(RLIMIT_AS, l.address_space_mb << 20);
  SetSoft(RLIMIT_CPU, l.cpu_seconds);
  SetSoft(RLIMIT_NOFILE, l.open_files);
}

std::string WorkerLimitHint(int signal, const std::string& text) {
  const WorkerLimits& l = Limits();
  if (signal == SIGXCPU && l.cpu_seconds > 0) {
    return absl::StrCat(" (the worker hit its CPU-time limit of ", l.cpu_seconds,
                        " s per batch; MAPFAULT_WORKER_CPU_SECONDS raises it)");
  }
  if (l.address_space_mb > 0 && text.find("bad_alloc") != std::string::npos) {
    return absl::StrCat(" (the worker's address-space limit of ", l.address_space_mb,
                        " MB may have been hit; MAPFAULT_WORKER_AS_MB raises it)");
  }
  if (text.find("Too many open files") != std::string::npos) {
    return absl::StrCat(" (the worker's open-file limit of ", l.open_files,
                        "; MAPFAULT_WORKER_NOFILE raises it)");
  }
  return "";
}

}  // namespace mapfault
