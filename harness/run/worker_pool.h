// The supervisor's worker pool: at most `jobs` forked worker processes, each running batches of
// trials and reporting over a pipe (one line per failing trial, then a "done" line per batch) and
// through its shared-memory slot (the trial it is running and since when). A worker that ended a
// batch cleanly may be handed the next batch (Events::next_batch: only ever one of the same cell)
// over its command socket instead of exiting, so a cell's batches cost one fork, not one each. The
// pool polls the pipes, kills a worker whose trial overran the watchdog, and reaps workers whose
// pipes closed. Single-threaded: only the supervisor (the mapfault process, which never runs
// backend code) calls it.
#ifndef MAPFAULT_HARNESS_RUN_WORKER_POOL_H_
#define MAPFAULT_HARNESS_RUN_WORKER_POOL_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/run/batch_queue.h"
#include "harness/run/phase_times.h"
#include "harness/run/worker.h"

namespace mapfault {

// How a worker's batch ended, handed to WorkerPool's on_exit once the worker is reaped, or once
// it ended the batch cleanly and was handed another (then `status` is 0, an exit with status 0).
struct WorkerExit {
  TrialBatch batch;
  int status = 0;                 // from waitpid
  bool finished_cleanly = false;  // it sent its "done" line
  uint64_t done_count = 0;        // trials the "done" line reported
  bool watchdog_killed = false;
  // Killed by a limit shorter than the full watchdog (WorkerPool::TrialLimit): its trial is not
  // shown to hang, only to have run longer than `limit_seconds`.
  bool adaptive_cut = false;
  double limit_seconds = 0;       // the limit its trial overran, when watchdog_killed
  bool abandoned = false;         // killed by AbandonAll: not a finding
  double seconds = 0;             // the batch's start (its fork or hand-over) to its end
  PhaseSeconds phases;            // `seconds` split into phases (WorkerPhases)
  const worker_internal::WorkerSlot* slot = nullptr;  // valid during on_exit only
  std::string err;                // the tail of its stderr

  // Exited by itself, after its "done" line, with status 0.
  bool Clean() const;
};

// A worker's life split into phases (all but kReplays), from its slot: forked at `forked_ns`,
// reaped at `reaped_ns` (NowNs), `died` when it did not end its batch cleanly and was not
// abandoned (its current trial then counts as kDied). The phases are non-negative and sum to
// reaped_ns - forked_ns (kWaiting takes what the others leave).
PhaseSeconds WorkerPhases(const worker_internal::WorkerSlot& slot, int64_t forked_ns,
                          int64_t reaped_ns, bool died);

// The worker side of the report protocol: the last line of a batch, `done` trials run; `waits`:
// the worker then waits on its command socket for another batch (the pool's own loop says so).
void ReportBatchDone(int out_fd, uint64_t done, bool waits = false);

// A worker may run this many seconds of batches before the pool stops handing it more: a process
// per ~4 batch targets (kBatchTargetSeconds) bounds what a backend's leaks and stray state
// accumulate, while a 10,000-trial cell of microsecond trials runs in one fork instead of two.
inline constexpr double kWorkerRecycleSeconds = 4 * kBatchTargetSeconds;

class WorkerPool {
 public:
  // Runs in the forked child on one batch, reporting its failing trials on out_fd, and returns how
  // many trials it ran (the pool then sends the "done" line and waits for another batch), or ends
  // the process itself (_exit).
  using Body = std::function<uint64_t(const TrialBatch&, worker_internal::WorkerSlot*, int out_fd)>;
  struct Events {
    std::function<void(const TrialBatch&, const std::string& line)> on_line;  // a failing trial
    std::function<void(const WorkerExit&)> on_exit;
    // Asked when a worker that may take another batch ended `done` cleanly: the batch to hand it
    // (of done's cell), or nullopt to let it exit. Empty: every worker runs one batch.
    std::function<std::optional<TrialBatch>(const TrialBatch& done)> next_batch;
    // A frame of schedule hashes (worker.h, kHashesLine). Empty: dropped.
    std::function<void(const TrialBatch&, std::span<const uint64_t>)> on_hashes;
  };

  // The seconds a trial of batch cell `cell` may run, given its full watchdog `full_seconds`
  // (--watchdog x the program's scale); a trial killed at a limit below `full_seconds` is an
  // adaptive cut (WorkerExit::adaptive_cut).
  using TrialLimit = std::function<double(size_t cell, double full_seconds)>;

  // `trial_limit` may be empty: every trial gets its full watchdog.
  WorkerPool(int jobs, double watchdog_seconds, Body body, TrialLimit trial_limit = nullptr);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool HasRoom() const;
  bool Empty() const;
  void Spawn(const TrialBatch& batch);
  // Kills every worker that has not sent its "done" line (a second interrupt); whether it killed any.
  bool AbandonAll();
  // Waits up to 20 ms for output, then hands each complete failing-trial line to on_line, kills a
  // worker whose current trial overran the watchdog, and reaps each worker whose pipes closed,
  // handing it to on_exit. Returns the time it looked at the workers (NowNs).
  int64_t Poll(const Events& events);
  // Trials finished so far by the running workers.
  uint64_t InFlightDone() const;

 private:
  struct Worker;
  void Consume(Worker& w, const Events& events);
  void Reap(Worker& w, const Events& events);
  // After w's "done" line: hands it the next batch (true), or lets it exit (false).
  bool HandOver(Worker& w, const Events& events, int64_t now);
  WorkerExit ExitOf(Worker& w, int status, int64_t now) const;

  std::vector<uint64_t> hashes_;  // Consume's scratch for a frame of schedule hashes
  int jobs_;
  double watchdog_seconds_;
  Body body_;
  TrialLimit trial_limit_;
  worker_internal::WorkerSlot* slots_;
  std::vector<bool> slot_busy_;
  std::vector<Worker> active_;
};

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_WORKER_POOL_H_
