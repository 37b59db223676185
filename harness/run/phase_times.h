// Where a cell's wall time goes: the phases of a worker's life (fork, per-trial setup, trial-thread
// start, the bodies, the checkers, waiting) and the supervisor's follow-up replays, accumulated per
// cell and written to results.json as `phase_seconds` (docs/cli.md#resultsjson). A trial measures
// its own phases (TrialPhases); the worker pool turns a worker's slot into its share of each phase
// (WorkerPhases, worker_pool.h).
#ifndef MAPFAULT_HARNESS_RUN_PHASE_TIMES_H_
#define MAPFAULT_HARNESS_RUN_PHASE_TIMES_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mapfault {

enum class Phase : uint8_t {
  kFork,         // the supervisor's fork() until the worker's body starts
  kSetup,        // per trial: program, backend, init part, noise plan, post part, final contents
  kThreadStart,  // handing the bodies to the trial threads until the last starts, and the join
  kTrial,        // the bodies running: the last body's start to the last body's end
  kChecking,     // the checkers judging the history
  kWaiting,      // the rest of a worker's life: bookkeeping, pipes, its exit and reaping
  kDied,         // trials whose worker died (crash, abort, hang): the trial's start to the reaping
  kReplays,      // the supervisor's confirmation, reproduction and determinism replays of the cell
};
inline constexpr int kPhaseCount = 8;
inline constexpr std::array<Phase, kPhaseCount> kAllPhases = {
    Phase::kFork,     Phase::kSetup,   Phase::kThreadStart, Phase::kTrial,
    Phase::kChecking, Phase::kWaiting, Phase::kDied,        Phase::kReplays};

// "fork", "setup", "thread_start", "trial", "checking", "waiting", "died", "replays".
std::string_view PhaseName(Phase phase);

// Seconds per phase.
struct PhaseSeconds {
  std::array<double, kPhaseCount> seconds = {};

  double& operator[](Phase p) { return seconds[static_cast<int>(p)]; }
  double operator[](Phase p) const { return seconds[static_cast<int>(p)]; }
  double Total() const;
  bool Empty() const { return Total() == 0; }
  PhaseSeconds& operator+=(const PhaseSeconds& other);
};

// The phases one trial measures itself, in nanoseconds (RunTrial fills them; thread start is 0 in
// controlled mode, where the threads are fibers).
struct TrialPhases {
  int64_t setup_ns = 0;
  int64_t thread_start_ns = 0;
  int64_t trial_ns = 0;
  int64_t checking_ns = 0;
};

// The clock of every phase: CLOCK_MONOTONIC in nanoseconds (the worker pool's clock too).
int64_t PhaseClockNs();

// When one real-thread body started and ended (PhaseClockNs); Stamp sets both around a body, the
// end also when the body throws.
struct BodySpan {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  class Stamp {
   public:
    explicit Stamp(BodySpan& span) : span_(span) { span_.start_ns = PhaseClockNs(); }
    ~Stamp() { span_.end_ns = PhaseClockNs(); }
    Stamp(const Stamp&) = delete;
    Stamp& operator=(const Stamp&) = delete;

   private:
    BodySpan& span_;
  };
};

// Splits the time from handing `spans.size()` bodies to the trial threads (`handed_ns`) until the
// call returned (`returned_ns`) into `phases.trial_ns` (the last start to the last end) and
// `phases.thread_start_ns` (the rest: the threads starting, and the caller waking after the last
// body). Both are non-negative and sum to returned_ns - handed_ns.
void SplitThreadTime(const std::vector<BodySpan>& spans, int64_t handed_ns, int64_t returned_ns,
                     TrialPhases& phases);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_PHASE_TIMES_H_
