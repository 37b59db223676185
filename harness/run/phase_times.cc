// Phase names and arithmetic.
#include "harness/run/phase_times.h"

#include <time.h>

#include <algorithm>

namespace mapfault {

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kFork: return "fork";
    case Phase::kSetup: return "setup";
    case Phase::kThreadStart: return "thread_start";
    case Phase::kTrial: return "trial";
    case Phase::kChecking: return "checking";
    case Phase::kWaiting: return "waiting";
    case Phase::kDied: return "died";
    case Phase::kReplays: return "replays";
  }
  return "?";
}

double PhaseSeconds::Total() const {
  double total = 0;
  for (double s : seconds) total += s;
  return total;
}

PhaseSeconds& PhaseSeconds::operator+=(const PhaseSeconds& other) {
  for (int i = 0; i < kPhaseCount; ++i) seconds[i] += other.seconds[i];
  return *this;
}

int64_t PhaseClockNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void SplitThreadTime(const std::vector<BodySpan>& spans, int64_t handed_ns, int64_t returned_ns,
                     TrialPhases& phases) {
  int64_t last_start = handed_ns;
  int64_t last_end = handed_ns;
  for (const BodySpan& s : spans) {
    last_start = std::max(last_start, s.start_ns);
    last_end = std::max(last_end, s.end_ns);
  }
  last_start = std::min(last_start, returned_ns);
  last_end = std::clamp(last_end, last_start, returned_ns);
  phases.trial_ns = last_end - last_start;
  phases.thread_start_ns = (returned_ns - handed_ns) - phases.trial_ns;
}

}  // namespace mapfault
