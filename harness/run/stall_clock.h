// The machine's stall time, for the watchdogs: a trial killed because the machine stood still (a
// co-running job thrashing memory, a host under I/O pressure) is not a hang. Linux's pressure stall
// information (/proc/pressure, "PSI") counts the wall time in which tasks waited for memory
// ("some": at least one task) or in which every non-idle task waited for I/O ("full"); a watchdog
// does not count that time against a trial, up to kMaxStallExtension of its limit (a trial that
// really hangs while the machine stalls is still killed, a little later). Where PSI is missing (an
// old kernel, psi=0) nothing is subtracted: the watchdog is wall time, as before.
#ifndef MAPFAULT_HARNESS_RUN_STALL_CLOCK_H_
#define MAPFAULT_HARNESS_RUN_STALL_CLOCK_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace mapfault {

// At most this many times a watchdog's limit is added for stalls: a trial is killed by
// (1 + kMaxStallExtension) x its limit of wall time, whatever the machine does.
inline constexpr double kMaxStallExtension = 3;

// The cumulative stall in microseconds one /proc/pressure file states on its line `kind` ("some"
// or "full"), e.g. "some avg10=0.00 avg60=0.00 avg300=0.00 total=68516899"; nullopt when the text
// has no such line.
std::optional<int64_t> ParsePressureTotal(std::string_view text, std::string_view kind);

// Samples of the machine's cumulative stall, to tell how much of a span of wall time the machine
// stalled. Thread-safe.
class StallClock {
 public:
  // Reads the cumulative stall in nanoseconds (nullopt: unknown).
  using Source = std::function<std::optional<int64_t>()>;

  // Reads /proc/pressure/memory ("some") and /proc/pressure/io ("full").
  StallClock();
  explicit StallClock(Source source);

  // Records a sample at `now_ns` (NowNs) unless the latest is under kSampleEveryNs old; the
  // watchdogs call it every poll.
  void Sample(int64_t now_ns);
  // The stall in [since_ns, the latest sample], in nanoseconds: the latest sample's cumulative
  // stall minus that of the latest sample at or before since_ns (the oldest kept when none is).
  int64_t StalledSince(int64_t since_ns) const;

  static constexpr int64_t kSampleEveryNs = 10'000'000;
  static constexpr size_t kKeep = 8192;  // ~80 s of samples at the fastest rate

 private:
  struct Point {
    int64_t at_ns;
    int64_t stalled_ns;
  };
  Source source_;
  mutable absl::Mutex mu_;
  std::deque<Point> samples_ ABSL_GUARDED_BY(mu_);
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
};

// The process's clock (reads /proc/pressure).
StallClock& MachineStalls();

// Whether a trial that started at `started_ns` has overrun `allowed_ns` at `now_ns`, not counting
// the stall since it started (at most kMaxStallExtension x allowed_ns).
bool WatchdogExpired(int64_t now_ns, int64_t started_ns, int64_t allowed_ns, int64_t stalled_ns);

// Samples MachineStalls() at `now_ns`, then WatchdogExpired with the stall since `started_ns`.
bool TrialOverran(int64_t now_ns, int64_t started_ns, int64_t allowed_ns);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_STALL_CLOCK_H_
