// The worker's side of a batch: runs its trials in the worker process and reports, over the
// worker's pipe, each failing trial (a JSON line: the invariants it broke, those its contract
// claimed, the undecided ones, each invariant's first failure in full with its replay token) and
// what the trials covered (coverage lines and schedule-hash frames, worker.h); the supervisor's
// side is in supervisor.cc.
#ifndef MAPFAULT_HARNESS_RUN_BATCH_WORKER_H_
#define MAPFAULT_HARNESS_RUN_BATCH_WORKER_H_

#include <cstdint>

#include "harness/run/batch_queue.h"
#include "harness/run/supervisor.h"
#include "harness/run/worker.h"

namespace mapfault {

// Runs the trials of `batch` of `cell`, reporting on `out_fd`; returns how many ran (fewer when the
// cell stops at its first failure). `deadline_ns`: when the run's --time-budget ends (0: none),
// where a search stops.
uint64_t RunWorkerBatch(const CellSpec& cell, const TrialBatch& batch, uint64_t run_seed,
                        int64_t deadline_ns, worker_internal::WorkerSlot* slot, int out_fd);

}  // namespace mapfault

#endif  // MAPFAULT_HARNESS_RUN_BATCH_WORKER_H_
