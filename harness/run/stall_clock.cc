// Machine stall samples from /proc/pressure, for the watchdogs.
#include "harness/run/stall_clock.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "harness/run/worker.h"

namespace mapfault {
namespace {

// The cumulative stall of `kind` in file `path`, in nanoseconds. Read with open/read (Drain), not
// an ifstream: the supervisor samples every 10 ms, and a stream's locale set-up cost ~15k
// instructions a sample.
std::optional<int64_t> ReadPressure(const char* path, std::string_view kind) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  worker_internal::Drain(fd, text);
  close(fd);
  const std::optional<int64_t> us = ParsePressureTotal(text, kind);
  if (!us) return std::nullopt;
  return *us * 1000;
}

std::optional<int64_t> ReadMachineStall() {
  const std::optional<int64_t> memory = ReadPressure("/proc/pressure/memory", "some");
  const std::optional<int64_t> io = ReadPressure("/proc/pressure/io", "full");
  if (!memory && !io) return std::nullopt;
  return memory.value_or(0) + io.value_or(0);
}

}  // namespace

std::optional<int64_t> ParsePressureTotal(std::string_view text, std::string_view kind) {
  // Abseil's string_view on Debian 12 is its own type, not std::string_view.
  const absl::string_view all(text.data(), text.size());
  const absl::string_view want(kind.data(), kind.size());
  for (absl::string_view line : absl::StrSplit(all, '\n')) {
    if (!absl::ConsumePrefix(&line, want) || !absl::ConsumePrefix(&line, " ")) continue;
    for (absl::string_view field : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      int64_t total = 0;
      if (absl::ConsumePrefix(&field, "total=") && absl::SimpleAtoi(field, &total) && total >= 0) {
        return total;
      }
    }
  }
  return std::nullopt;
}

StallClock::StallClock() : StallClock(ReadMachineStall) {}

StallClock::StallClock(Source source) : source_(std::move(source)) {}

void StallClock::Sample(int64_t now_ns) {
  absl::MutexLock lock(&mu_);
  if (unavailable_) return;
  if (!samples_.empty() && now_ns - samples_.back().at_ns < kSampleEveryNs) return;
  const std::optional<int64_t> stalled = source_();
  if (!stalled) {
    unavailable_ = samples_.empty();  // never there: stop reading; gone later: keep the samples
    return;
  }
  samples_.push_back({now_ns, *stalled});
  if (samples_.size() > kKeep) samples_.pop_front();
}

int64_t StallClock::StalledSince(int64_t since_ns) const {
  absl::MutexLock lock(&mu_);
  if (samples_.size() < 2) return 0;
  // The latest sample at or before since_ns: the stall after it bounds the stall since since_ns.
  auto after = std::upper_bound(samples_.begin(), samples_.end(), since_ns,
                                [](int64_t t, const Point& p) { return t < p.at_ns; });
  const Point& from = after == samples_.begin() ? samples_.front() : *std::prev(after);
  return std::max<int64_t>(0, samples_.back().stalled_ns - from.stalled_ns);
}

StallClock& MachineStalls() {
  static StallClock* clock = new StallClock();
  return *clock;
}

bool WatchdogExpired(int64_t now_ns, int64_t started_ns, int64_t allowed_ns, int64_t stalled_ns) {
  const double cap = kMaxStallExtension * static_cast<double>(allowed_ns);
  const int64_t extension =
      static_cast<double>(stalled_ns) >= cap ? static_cast<int64_t>(cap) : stalled_ns;
  return now_ns > SaturatingAdd(SaturatingAdd(started_ns, allowed_ns), extension);
}

bool TrialOverran(int64_t now_ns, int64_t started_ns, int64_t allowed_ns) {
  StallClock& clock = MachineStalls();
  clock.Sample(now_ns);
  return WatchdogExpired(now_ns, started_ns, allowed_ns, clock.StalledSince(started_ns));
}

}  // namespace mapfault
