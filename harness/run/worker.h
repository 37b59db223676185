// Worker processes: the shared-memory slot and pipes a worker reports through, how a dead worker's
// death is classified (signal, abort on detected misuse, sanitizer report, hang), and running one
// trial alone in a fresh worker with its full interleaving trace (replay and confirmation).
#ifndef MAPFAULT_HARNESS_RUN_WORKER_H_
#define MAPFAULT_HARNESS_RUN_WORKER_H_

#include <sys/types.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/checkers/checkers.h"
#include "harness/base/trace.h"
#include "harness/engine/crash_capture.h"
#include "harness/run/stack.h"
#include "harness/run/trial.h"

namespace mapfault {

// How an isolated trial ended.
struct IsolatedOutcome {
  // kDataRace: ThreadSanitizer (TSan builds) halted the worker at a data race. kInterrupted: the
  // caller's stop flag ended the trial (no verdict; AllViolations() is empty).
  enum class Kind : uint8_t {
    kCompleted, kSignal, kMisuse, kHang, kExit, kSanitizer, kDataRace, kInterrupted
  };
  Kind kind = Kind::kCompleted;
  int signal = 0;
  std::string detail;                 // misuse message, signal name, sanitizer summary
  std::vector<Violation> violations;  // for kCompleted (no-hang/no-crash from the run included)
  InvariantSet undecided;             // for kCompleted: what a harness limit left undecided
  bool diverged = false;              // replay could not follow its recorded schedule
  uint64_t steps = 0;
  int preemptions = 0;
  uint32_t stale_reads = 0;  // for kCompleted: weak atomic loads that read an older store
  std::vector<uint8_t> choices;
  // For kCompleted, a trial that was an exhaustive search (TrialResult::search): what it ran.
  std::optional<SearchOutcome> search;
  std::vector<TraceEvent> trace;      // full interleaving, also when the worker died
  // Results of each operation, per parallel thread and then the post part (last entry), when the
  // trial completed; empty when the worker died (the trace then tells how far each thread got).
  std::vector<std::vector<std::string>> results;
  // Where the code was when the worker died: the crashing thread's stack (a signal or abort, in a
  // build without sanitizers), or ThreadSanitizer's racing accesses and the memory's allocation.
  std::vector<Stack> stacks;

  // The violations the outcome amounts to (for a dead worker: the one its death means).
  std::vector<Violation> AllViolations() const;
  // A digest of the trace, to compare two replays of the same trial.
  uint64_t TraceDigest() const;
};

// The largest watchdog accepted (one day): longer is a typo, not a hang bound.
inline constexpr double kMaxWatchdogSeconds = 86400;
// "" when `seconds` is a usable watchdog (finite, > 0, <= kMaxWatchdogSeconds), else what is wrong.
std::string WatchdogProblem(double seconds);
// `seconds` in nanoseconds, saturating: non-positive gives 0, NaN and too large give INT64_MAX.
int64_t SecondsToNs(double seconds);
// a + b for non-negative b, saturating at INT64_MAX.
int64_t SaturatingAdd(int64_t a, int64_t b);

// Runs one trial alone in a fresh worker, recording its full trace. When `stop` is given and becomes
// non-zero (e.g. by SIGINT) the worker is killed at once and the outcome is kInterrupted.
IsolatedOutcome RunTrialIsolated(const TrialSpec& spec, double watchdog_seconds,
                                 const volatile std::sig_atomic_t* stop = nullptr);

// "SIGSEGV (Segmentation fault)".
std::string SignalName(int sig);

namespace worker_internal {

constexpr uint64_t kNoTrial = ~uint64_t{0};

// Shared between a worker and the supervisor (MAP_SHARED), one per concurrently running worker.
// A worker's sampled coverage not yet sent on its pipe (CoverageLine, supervisor.cc): kept in the
// slot so that the supervisor can count it when the worker dies.
struct PendingCoverage {
  static constexpr uint32_t kHashes = 256;
  uint64_t schedules;   // trials run
  uint64_t most_steps;  // the most scheduling steps one took
  uint64_t stale_reads;  // their weak atomic loads that read an older store (RunResult)
  uint32_t hash_count;
  uint64_t hashes[kHashes];  // their schedules' hashes (controlled trials)
};

struct WorkerSlot {
  std::atomic<uint64_t> current_trial;
  std::atomic<uint64_t> done;
  std::atomic<int64_t> started_ns;
  std::atomic<uint64_t> watchdog_scale;  // watchdog periods the current trial may run (>= 1)
  std::atomic<int64_t> completed_ns;     // summed wall time of the batch's completed trials
  std::atomic<int64_t> entered_ns;       // when the worker's body started (0: not yet)
  // The phases its completed trials measured (TrialResult::phases), summed.
  std::atomic<int64_t> setup_ns, thread_start_ns, trial_ns, checking_ns;
  char misuse[512];

  // Adds one completed trial's phases (only the worker writes them).
  void AddPhases(const TrialPhases& p);
  PendingCoverage pending;
  CrashRecord crash;  // the crashing thread's raw stack, written by the worker's crash handler
};

struct Pipe {
  int read_fd = -1;
  int write_fd = -1;
};

int64_t NowNs();
void* MapShared(size_t bytes);  // aborts on failure
void WriteAll(int fd, std::string_view data);
// Reads what is available from a non-blocking fd; returns false at EOF.
bool Drain(int fd, std::string& into);
Pipe MakePipe();
// Child-side set-up shared by every worker: quiet stdout, stderr into `err`, misuse sink, crash
// capture into the slot.
void EnterWorker(const Pipe& out, const Pipe& err, WorkerSlot* slot);
// Ends a worker process with _exit(status), first writing the execution profile in a
// profile-generating build (MAPFAULT_PGO=generate; _exit skips the handler that writes it).
[[noreturn]] void ExitWorker(int status);
// Makes every schedule a trial starts in this process (ScheduleStarted, trial.h) restart the
// watchdog of `slot`: an exhaustive search's watchdog bounds each schedule, not the whole search;
// and every trial's program set the slot's watchdog scale (SetProgramReadyHook).
// After `deadline_ns` (NowNs; 0: none, the run's --time-budget) a search stops at its next
// schedule.
void RestartWatchdogAtEachSchedule(WorkerSlot* slot, int64_t deadline_ns = 0);
// Classifies a worker that died (or was killed) while running a trial. A worker that printed a
// line containing one of `misuse_patterns` (BackendInfo::misuse_patterns) on stderr detected misuse
// (kMisuse, that line as the detail), whatever its exit status or signal. The outcome's stacks are
// ThreadSanitizer's racing stacks parsed from `err`; the slot's crash record is symbolized by the
// caller when the death is a finding (AddCrashStack, symbolize.h).
IsolatedOutcome ClassifyDeath(int status, bool watchdog_killed, const WorkerSlot* slot,
                              const std::string& err, double watchdog_seconds,
                              const std::vector<std::string>& misuse_patterns = {});
// The first line of `err` containing one of `patterns`, without a leading "fatal error: "; "" when
// none does.
std::string MisuseLine(const std::string& err, const std::vector<std::string>& patterns);

// The schedule hashes a worker sends after its coverage line: a header line, kHashesLine and the
// count, then the hashes as raw 8-byte words (worker and supervisor are one binary: one byte
// order). As a JSON array of numbers in the coverage line, parsing them was three quarters of the
// supervisor's own CPU per controlled trial (callgrind: ~2.2k of ~2.9k instructions a trial,
// every digit through the JSON lexer and strtoul); as 16 hex digits each, ~150 instructions a
// hash to decode (~120 with a table); as words, a copy.
inline constexpr std::string_view kHashesLine = "#h ";
// The most hashes one frame may announce (a worker sends at most PendingCoverage::kHashes).
inline constexpr size_t kMaxFrameHashes = size_t{1} << 16;
void AppendHashesFrame(std::string& out, const uint64_t* hashes, size_t count);
// Reads the hashes frame `rest` starts with (it starts with kHashesLine): kComplete with its size
// in bytes and its hashes appended to `out`; kIncomplete when more bytes must come first;
// kMalformed, with the size of its header line to skip, when the header is not "#h <count>".
struct HashesFrame {
  enum class Status { kComplete, kIncomplete, kMalformed } status;
  size_t size = 0;
};
HashesFrame ReadHashesFrame(std::string_view rest, std::vector<uint64_t>& out);

}  // namespace worker_internal
}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_WORKER_H_
